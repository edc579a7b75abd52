"""The customer confirms a resolution (→ closed) or rejects it (→ reopened); unanswered, it closes itself
after the merchant's auto-close delay, by a durable timer that fires once across replicas."""

from __future__ import annotations

import asyncio
import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Role, TicketStatus, Visibility
from helpdesk_servicekit.app import Runtime
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.errors import Forbidden, InvalidTransition
from helpdesk_servicekit.timers import DueTimer, TimerWorker
from helpdesk_tickets import repository
from helpdesk_tickets.merchant_settings.service import load_merchant_settings
from helpdesk_tickets.messages.schemas import MessageCreate
from helpdesk_tickets.messages.service import post_message
from helpdesk_tickets.resolution.schemas import ResolutionAnswer
from helpdesk_tickets.settings import TicketsSettings
from helpdesk_tickets.shared import Actor, audit, load_visible
from helpdesk_tickets.tickets import changes
from helpdesk_tickets.tickets.schemas import TicketRead

log = logging.getLogger(__name__)


async def answer_resolution(
    session: AsyncSession, principal: Principal, ticket_id: uuid.UUID, data: ResolutionAnswer, defaults: TicketsSettings
) -> TicketRead:
    """The ticket's customer accepts (→ closed) or rejects (→ reopened) the resolution; a comment is a reply."""
    if principal.role is not Role.CUSTOMER:
        raise Forbidden("only the ticket's customer confirms or rejects its resolution")
    ticket = await load_visible(session, principal, ticket_id, for_update=True)
    status = TicketStatus(ticket.status)
    if status is not TicketStatus.RESOLVED:
        raise InvalidTransition(
            f"only a resolved ticket can be confirmed or rejected; this one is {status.value}",
            current=status.value,
            allowed=[],
        )
    now = utcnow()
    actor = Actor.of(principal)
    audit(session, ticket, actor, "resolution", None, {"accepted": data.accepted}, now)
    merchant_settings = await load_merchant_settings(session, principal.merchant_id, defaults)
    target = TicketStatus.CLOSED if data.accepted else TicketStatus.REOPENED
    await changes.change_status(session, ticket, target, actor, now, merchant_settings)
    if data.comment:
        comment = MessageCreate(body=data.comment, visibility=Visibility.PUBLIC)
        await post_message(session, principal, ticket, comment, defaults, moves_status=False)
    return TicketRead.model_validate(ticket)


async def close_unanswered(session: AsyncSession, timer: DueTimer) -> None:
    """The auto-close timer fired: close the ticket if it is still waiting for the customer's confirmation.

    One lock order everywhere: use cases lock the ticket, then its timer; the worker already holds the timer
    row here, so it never waits for the ticket (NOWAIT). A ticket a use case holds right now (say, the customer
    reopening it) raises lock-not-available, which the timer worker retries shortly without counting it as a
    failure; the state is then checked afresh under the ticket's lock, so a reopened ticket stays open. A
    timer cancelled while it fires still fires, hence the re-check.
    """
    ticket_id = uuid.UUID(timer.key)
    ticket = await repository.get_ticket(session, timer.merchant_id, ticket_id, for_update=True, nowait=True)
    if ticket is None or ticket.status != TicketStatus.RESOLVED.value:
        return
    await changes.change_status(session, ticket, TicketStatus.CLOSED, Actor.system("auto-close"), utcnow())


async def auto_close_worker(runtime: Runtime[TicketsSettings], stop: asyncio.Event) -> None:
    """Background task: fire due auto-close timers (any number of replicas may run it)."""
    worker = TimerWorker(
        runtime.engine,
        runtime.sessions,
        {changes.AUTO_CLOSE: close_unanswered},
        listen_dsn=runtime.settings.listen_dsn,
    )
    await worker.run(stop)
