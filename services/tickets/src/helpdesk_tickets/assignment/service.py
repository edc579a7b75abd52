"""Assignment: manual (managers anyone, agents themselves) and from routing's decisions.

A routing decision is applied unless a manual assignment happened after the ticket version routing
decided on, or a newer routing decision was already applied; either way, an older event changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import TicketStatus
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, Forbidden
from helpdesk_tickets import repository
from helpdesk_tickets.agents.service import ensure_assignable
from helpdesk_tickets.domain.assignment import (
    AssignmentNotAllowed,
    RoutingDecision,
    check_manual_assignment,
    check_manual_unassignment,
    routing_decision_applies,
    routing_fact_is_newer,
    unassignment_applies,
)
from helpdesk_tickets.models import Ticket
from helpdesk_tickets.shared import Actor, audit, load_visible, touch
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
        if agent_id is not None and agent_id != ticket.assignee_id:
            await ensure_assignable(session, principal.merchant_id, agent_id)
        if await set_assignee(session, ticket, agent_id, Actor.of(principal), utcnow(), source="manual"):
            ticket.manual_assignment_version = ticket.version
        await session.commit()
        return TicketRead.model_validate(ticket)


async def apply_routing_decision(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, decision: RoutingDecision
) -> bool:
    """Record routing's choice of assignee (and group) if it still applies; True when it changed the ticket."""
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
    _mark_routing_fact(ticket, decision.ticket_version, decision.decided_at)
    actor, now = Actor.system("routing"), utcnow()
    assigned = await set_assignee(session, ticket, decision.agent_id, actor, now, source="routing")
    regrouped = _set_group(session, ticket, decision.group_id, actor, now, touched=assigned)
    return assigned or regrouped


async def apply_ticket_queued(
    session: AsyncSession,
    merchant_id: str,
    ticket_id: uuid.UUID,
    ticket_version: int,
    group_id: str | None,
    at: datetime,
) -> bool:
    """Routing put the ticket in a group's waiting queue: remember the group (unless a newer routing fact is known)."""
    ticket = await repository.get_ticket(session, merchant_id, ticket_id, for_update=True)
    if ticket is None or ticket.status == TicketStatus.CLOSED.value:
        return False
    if not routing_fact_is_newer(
        ticket_version, at, last_routing_version=ticket.routing_version, last_routing_at=ticket.routing_decided_at
    ):
        return False
    _mark_routing_fact(ticket, ticket_version, at)
    return _set_group(session, ticket, group_id, Actor.system("routing"), utcnow(), touched=False)


async def apply_unassignment(
    session: AsyncSession,
    merchant_id: str,
    ticket_id: uuid.UUID,
    previous_agent_id: str,
    ticket_version: int | None,
    group_id: str | None,
    at: datetime,
) -> bool:
    """Routing took the ticket back from `previous_agent_id` (say, they went offline): clear the assignee if the
    ticket is still theirs and nothing newer happened since → `ticket.assigned` with `assignee_id: null`."""
    ticket = await repository.get_ticket(session, merchant_id, ticket_id, for_update=True)
    if ticket is None or ticket.status == TicketStatus.CLOSED.value:
        return False
    applies = unassignment_applies(
        previous_agent_id,
        ticket_version,
        at,
        assignee_id=ticket.assignee_id,
        manual_assignment_version=ticket.manual_assignment_version,
        last_routing_version=ticket.routing_version,
        last_routing_decided_at=ticket.routing_decided_at,
    )
    if not applies:
        log.info("unassignment of %s from ticket %s no longer applies; ignored", previous_agent_id, ticket_id)
        return False
    _mark_routing_fact(ticket, ticket_version if ticket_version is not None else ticket.routing_version, at)
    actor, now = Actor.system("routing"), utcnow()
    await set_assignee(session, ticket, None, actor, now, source="routing")
    _set_group(session, ticket, group_id, actor, now, touched=True)
    return True


def _mark_routing_fact(ticket: Ticket, ticket_version: int, at: datetime) -> None:
    ticket.routing_version = ticket_version
    ticket.routing_decided_at = at


def _set_group(
    session: AsyncSession, ticket: Ticket, group_id: str | None, actor: Actor, now: datetime, *, touched: bool
) -> bool:
    """Move the ticket to `group_id`'s queue (None: routing did not say; the group stays). No ticket event: routing
    published the fact; the version moves unless the caller's change already moved it."""
    if group_id is None or group_id == ticket.group_id:
        return False
    previous, ticket.group_id = ticket.group_id, group_id
    if not touched:
        touch(ticket, now)
    audit(session, ticket, actor, "group", previous, group_id, now)
    return True
