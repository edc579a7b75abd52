"""Assignment: manual (managers anyone, agents themselves) and from routing's decisions.

A routing decision is applied unless a manual assignment happened after the ticket version routing
decided on, or a newer routing decision was already applied; either way, an older event changes nothing.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import TicketStatus
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, Forbidden
from helpdesk_tickets import repository
from helpdesk_tickets.domain.assignment import (
    AssignmentNotAllowed,
    RoutingDecision,
    check_manual_assignment,
    check_manual_unassignment,
    routing_decision_applies,
)
from helpdesk_tickets.shared import Actor, load_visible
from helpdesk_tickets.tickets.changes import set_assignee
from helpdesk_tickets.tickets.schemas import TicketRead

log = logging.getLogger(__name__)


async def assign(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID, agent_id: str | None) -> TicketRead:
    """Assign the ticket to `agent_id`, or unassign it when None → `ticket.assigned` (source manual)."""
    async with unit_of_work(sessions) as session:
        ticket = await load_visible(session, principal, ticket_id, for_update=True)
        try:
            if agent_id is None:
                check_manual_unassignment(principal.role, principal.user_id, ticket.assignee_id)
            else:
                check_manual_assignment(principal.role, principal.user_id, agent_id)
        except AssignmentNotAllowed as exc:
            raise Forbidden(str(exc)) from None
        if ticket.status == TicketStatus.CLOSED.value:
            raise Conflict("a closed ticket cannot be (re)assigned")
        if await set_assignee(session, ticket, agent_id, Actor.of(principal), utcnow(), source="manual"):
            ticket.manual_assignment_version = ticket.version
        await session.commit()
        return TicketRead.model_validate(ticket)


async def apply_routing_decision(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, decision: RoutingDecision
) -> bool:
    """Record routing's choice of assignee if it still applies; True when it changed the ticket."""
    ticket = await repository.get_ticket(session, merchant_id, ticket_id, for_update=True)
    if ticket is None:
        log.warning("routing decided on unknown ticket %s of %s", ticket_id, merchant_id)
        return False
    if ticket.status == TicketStatus.CLOSED.value:
        return False
    applies = routing_decision_applies(
        decision,
        manual_assignment_version=ticket.manual_assignment_version,
        last_routing_version=ticket.routing_version,
        last_routing_decided_at=ticket.routing_decided_at,
    )
    if not applies:
        log.info("routing decision on v%d of ticket %s is stale; ignored", decision.ticket_version, ticket_id)
        return False
    ticket.routing_version = decision.ticket_version
    ticket.routing_decided_at = decision.decided_at
    return await set_assignee(session, ticket, decision.agent_id, Actor.system("routing"), utcnow(), source="routing")
