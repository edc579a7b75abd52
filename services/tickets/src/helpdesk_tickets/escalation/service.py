"""Escalation L1 → L2 → L3: manual by managers (never down), or requested by the SLA service on a breach."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import EscalationReason, SlaMetric, TicketEscalated, TicketStatus
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.errors import Conflict
from helpdesk_tickets import repository
from helpdesk_tickets.domain.escalation import EscalationRefused, check_manual_escalation, sla_escalation_target
from helpdesk_tickets.domain.sla import escalation_still_due
from helpdesk_tickets.models import Ticket
from helpdesk_tickets.shared import Actor, actor_fields, audit, emit, load_visible, snapshot, touch
from helpdesk_tickets.tickets.schemas import TicketRead

log = logging.getLogger(__name__)


async def _raise_level(
    session: AsyncSession,
    ticket: Ticket,
    level: int,
    reason: EscalationReason,
    metric: SlaMetric | None,
    actor: Actor,
    now: datetime,
    note: str | None = None,
) -> None:
    previous = ticket.escalation_level
    ticket.escalation_level = level
    touch(ticket, now)
    detail = {"level": level, "reason": reason.value, "metric": metric.value if metric else None}
    audit(session, ticket, actor, "escalation_level", previous, detail | ({"note": note} if note else {}), now)
    await emit(
        session,
        ticket,
        TicketEscalated(
            ticket=snapshot(ticket),
            from_level=previous,
            level=level,
            reason=reason,
            metric=metric,
            **actor_fields(actor),
        ),
    )


async def escalate(
    session: AsyncSession, principal: Principal, ticket_id: uuid.UUID, level: int, note: str | None
) -> TicketRead:
    """A manager raises the ticket's level (never lowers it) → `ticket.escalated` with reason manual."""
    ticket = await load_visible(session, principal, ticket_id, for_update=True)
    if ticket.status == TicketStatus.CLOSED.value:
        raise Conflict("a closed ticket cannot be escalated")
    try:
        check_manual_escalation(ticket.escalation_level, level)
    except EscalationRefused as exc:
        raise Conflict(str(exc), current_level=ticket.escalation_level) from None
    await _raise_level(session, ticket, level, EscalationReason.MANUAL, None, Actor.of(principal), utcnow(), note)
    return TicketRead.model_validate(ticket)


async def apply_sla_escalation(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, level: int, metric: SlaMetric
) -> bool:
    """Raise the level the SLA service asks for; a repeated or lower request changes nothing, nor does one for a
    metric whose clock the ticket already knows was met within target (a breach that lost the race to a reply)."""
    ticket = await repository.get_ticket(session, merchant_id, ticket_id, for_update=True)
    if ticket is None or ticket.status == TicketStatus.CLOSED.value:
        return False
    if not escalation_still_due(ticket.sla_clocks, metric.value):
        log.info("escalation of ticket %s for %s ignored: the clock was met within target", ticket_id, metric.value)
        return False
    target = sla_escalation_target(ticket.escalation_level, level)
    if target is None:
        return False
    await _raise_level(session, ticket, target, EscalationReason.SLA_BREACH, metric, Actor.system("sla"), utcnow())
    return True
