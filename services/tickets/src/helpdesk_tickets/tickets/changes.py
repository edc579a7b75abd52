"""Changes to a ticket that several use cases share. They stage history and events; they never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import TicketAssigned, TicketStatus, TicketStatusChanged
from helpdesk_servicekit import timers
from helpdesk_servicekit.errors import InvalidTransition
from helpdesk_tickets.domain.lifecycle import ReopenWindowExpired, TransitionNotAllowed, check_transition
from helpdesk_tickets.merchant_settings.service import MerchantSettings
from helpdesk_tickets.models import Ticket
from helpdesk_tickets.problems import ReopenWindowClosed
from helpdesk_tickets.shared import Actor, actor_fields, audit, emit, snapshot, touch

AUTO_CLOSE = "auto_close"


async def change_status(
    session: AsyncSession,
    ticket: Ticket,
    target: TicketStatus,
    actor: Actor,
    now: datetime,
    merchant_settings: MerchantSettings | None = None,
) -> None:
    """Move the ticket along the lifecycle table: a 409 naming the allowed targets otherwise.

    Resolving plans the auto-close timer (the merchant's delay); leaving `resolved` cancels it.
    """
    current = TicketStatus(ticket.status)
    try:
        check_transition(
            current,
            target,
            closed_at=ticket.closed_at,
            now=now,
            reopen_window=merchant_settings.reopen_window if merchant_settings else None,
        )
    except TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc), current=current.value, allowed=[s.value for s in exc.allowed]) from None
    except ReopenWindowExpired as exc:
        raise ReopenWindowClosed(str(exc), closed_at=exc.closed_at.isoformat()) from None
    ticket.status = target.value
    if target is TicketStatus.RESOLVED:
        assert merchant_settings is not None, "resolving needs the merchant's settings (auto-close delay)"
        ticket.resolved_at = now
        await timers.schedule(
            session,
            merchant_id=ticket.merchant_id,
            kind=AUTO_CLOSE,
            key=str(ticket.id),
            fire_at=now + merchant_settings.auto_close_after,
            payload={"ticket_id": str(ticket.id)},
        )
    elif current is TicketStatus.RESOLVED:
        await timers.cancel(session, merchant_id=ticket.merchant_id, kind=AUTO_CLOSE, key=str(ticket.id))
    if target is TicketStatus.CLOSED:
        ticket.closed_at = now
    touch(ticket, now)
    audit(session, ticket, actor, "status", current.value, target.value, now)
    await emit(
        session,
        ticket,
        TicketStatusChanged(ticket=snapshot(ticket), from_status=current, to_status=target, **actor_fields(actor)),
    )


async def set_assignee(
    session: AsyncSession, ticket: Ticket, agent_id: str | None, actor: Actor, now: datetime, source: str
) -> bool:
    """Assign (or unassign) the ticket; a new ticket becomes assigned, an unassigned one new again.

    Returns False when nothing changed (same assignee).
    """
    previous = ticket.assignee_id
    if previous == agent_id:
        return False
    ticket.assignee_id = agent_id
    touch(ticket, now)
    audit(session, ticket, actor, "assignee", previous, agent_id, now)
    await emit(
        session,
        ticket,
        TicketAssigned(
            ticket=snapshot(ticket),
            previous_assignee_id=previous,
            assignee_id=agent_id,
            source=source,
            **actor_fields(actor),
        ),
    )
    status = TicketStatus(ticket.status)
    if agent_id is not None and status is TicketStatus.NEW:
        await change_status(session, ticket, TicketStatus.ASSIGNED, actor, now)
    elif agent_id is None and status is TicketStatus.ASSIGNED:
        await change_status(session, ticket, TicketStatus.NEW, actor, now)
    return True
