"""Invitations: ticket facts in, invitations planned per resolution episode, sent by a durable timer after the
delay, cancelled by a reopen that comes first."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope, Payload, TicketStatusChanged
from helpdesk_contracts.feedback import SurveyCancelled, SurveyInvited
from helpdesk_contracts.tickets import TicketEvent
from helpdesk_feedback.domain.surveys import (
    DONE_STATUSES,
    PlannedInvitation,
    Reopen,
    StatusChange,
    is_automatic,
    plan_invitations,
)
from helpdesk_feedback.events import events
from helpdesk_feedback.invitations import repository
from helpdesk_feedback.results import repository as rollups
from helpdesk_feedback.settings import FeedbackSettings
from helpdesk_feedback.survey_settings import repository as survey_settings
from helpdesk_servicekit import timers
from helpdesk_servicekit.app import Runtime
from helpdesk_servicekit.clock import utcnow

SEND_INVITATION = "survey.send_invitation"


def hash_token(token: str) -> str:
    """Only a digest of a link token is stored: a leaked table cannot answer surveys."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def apply_ticket_event(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    """Keep the ticket projection; a resolution plans invitations, a reopen cancels pending ones."""
    assert isinstance(payload, TicketEvent)
    ticket, merchant_id = payload.ticket, envelope.merchant_id
    change = None
    if isinstance(payload, TicketStatusChanged):
        change = StatusChange(
            version=ticket.ticket_version,
            from_status=payload.from_status.value,
            to_status=payload.to_status.value,
            at=envelope.occurred_at,
            automatic=is_automatic(payload.actor_id, payload.actor_role.value if payload.actor_role else None),
        )
    reopen = Reopen(change.version, change.at) if change and change.is_reopen else None
    reopens = await repository.upsert_ticket(session, merchant_id, ticket, reopen)
    if reopen is not None:
        await _cancel_pending(session, merchant_id, ticket.ticket_id, reopen)
    if change is not None and change.to_status in DONE_STATUSES:
        configs, _ = await survey_settings.load_configs(session, merchant_id)
        for plan in plan_invitations(change, configs, reopens):
            await _open_invitation(session, merchant_id, payload, plan)


async def _open_invitation(
    session: AsyncSession, merchant_id: str, payload: TicketEvent, plan: PlannedInvitation
) -> None:
    ticket, invitation_id = payload.ticket, uuid.uuid4()
    cancelled = plan.cancelled_by is not None
    created = await repository.insert_invitation(
        session,
        merchant_id,
        invitation_id,
        ticket,
        plan.episode,
        plan.survey_type,
        "cancelled" if cancelled else "scheduled",
        plan.due_at,
        "reopened" if cancelled else None,
    )
    if not created:
        return  # the same resolution, delivered again
    if cancelled:
        await _announce_cancelled(session, merchant_id, ticket.ticket_id, invitation_id, plan.survey_type, "reopened")
        return
    await timers.schedule(
        session, merchant_id=merchant_id, kind=SEND_INVITATION, key=str(invitation_id), fire_at=plan.due_at
    )


async def _cancel_pending(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, reopen: Reopen) -> None:
    # Timer rows first, then invitations: the order the timer worker locks them in, so the two never deadlock
    # (a timer being fired meanwhile makes us wait, and its invitation is then sent, no longer scheduled).
    candidates = await repository.cancellable(session, merchant_id, ticket_id, reopen)
    if not candidates:
        return
    for invitation_id in candidates:
        await timers.cancel(session, merchant_id=merchant_id, kind=SEND_INVITATION, key=str(invitation_id))
    for row in await repository.cancel_scheduled(session, merchant_id, candidates, "reopened"):
        await _announce_cancelled(session, merchant_id, ticket_id, row.id, row.survey_type, "reopened")


async def _announce_cancelled(
    session: AsyncSession,
    merchant_id: str,
    ticket_id: uuid.UUID,
    invitation_id: uuid.UUID,
    survey_type: str,
    reason: str,
) -> None:
    payload = SurveyCancelled(
        invitation_id=invitation_id,
        ticket_id=ticket_id,
        survey_type=survey_type,  # type: ignore[arg-type]
        reason=reason,
    )
    await events.stage(session, payload, merchant_id=merchant_id, ordering_key=str(ticket_id))


async def send_invitation(session: AsyncSession, timer: timers.DueTimer) -> None:
    """The delay passed: give the invitation its token and announce it (once, whichever replica fires it)."""
    merchant_id = timer.merchant_id
    invitation = await repository.lock_invitation(session, merchant_id, uuid.UUID(timer.key))
    if invitation is None or invitation.status != "scheduled":
        return
    config = await survey_settings.load_config(session, merchant_id, invitation.survey_type)
    if not config.enabled:
        await repository.mark_cancelled(session, merchant_id, invitation.id, "disabled")
        await _announce_cancelled(
            session, merchant_id, invitation.ticket_id, invitation.id, invitation.survey_type, "disabled"
        )
        return
    ticket = await repository.get_ticket(session, merchant_id, invitation.ticket_id)
    now = utcnow()
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=config.expiry_seconds)
    agent_id = ticket.assignee_id if ticket is not None else invitation.agent_id
    category_id = ticket.category_id if ticket is not None else invitation.category_id
    await repository.mark_sent(
        session,
        merchant_id,
        invitation.id,
        token_hash=hash_token(token),
        question=config.question,
        agent_id=agent_id,
        category_id=category_id,
        sent_at=now,
        expires_at=expires_at,
    )
    sent = rollups.Bump(now.date(), agent_id, category_id, invited=1)
    await rollups.bump(session, merchant_id, invitation.survey_type, [sent])
    invited = SurveyInvited(
        invitation_id=invitation.id,
        ticket_id=invitation.ticket_id,
        ticket_number=ticket.number if ticket is not None else None,
        survey_type=invitation.survey_type,
        customer_id=invitation.customer_id,
        customer_email=ticket.customer_email if ticket is not None else None,
        customer_name=ticket.customer_name if ticket is not None else None,
        locale=ticket.locale if ticket is not None else None,
        question=config.question,
        token=token,
        expires_at=expires_at,
    )
    await events.stage(session, invited, merchant_id=merchant_id, ordering_key=str(invitation.ticket_id))


async def invitation_worker(runtime: Runtime[FeedbackSettings], stop: asyncio.Event) -> None:
    """Background task: send invitations whose delay passed (any number of replicas may run it)."""
    worker = timers.TimerWorker(
        runtime.engine,
        runtime.sessions,
        {SEND_INVITATION: send_invitation},
        listen_dsn=runtime.settings.listen_dsn,
        max_sleep=runtime.settings.timer_max_sleep_seconds,
    )
    await worker.run(stop)
