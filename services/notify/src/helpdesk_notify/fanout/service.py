"""The consumer use case: keep the directory and ticket projection current, decide who gets what, and write each
recipient's notification (and email) in the consumer's transaction; live frames go out after the commit."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Envelope, Role, TicketCreated
from helpdesk_contracts.feedback import SurveyInvited
from helpdesk_contracts.routing import AgentStatusChanged, AgentUpserted
from helpdesk_contracts.tickets import TicketEvent
from helpdesk_notify import context
from helpdesk_notify.directory import repository as directory
from helpdesk_notify.domain import decisions
from helpdesk_notify.domain.content import CustomerContent, Notice, StaffContent
from helpdesk_notify.domain.preferences import channels_for
from helpdesk_notify.email import repository as emails
from helpdesk_notify.email.render import message_id, render_customer_email, render_staff_email, thread_id
from helpdesk_notify.email.worker import WAKE_CHANNEL
from helpdesk_notify.inbox import repository as inbox
from helpdesk_notify.inbox.schemas import NotificationRead
from helpdesk_notify.live.hub import LiveFrame
from helpdesk_notify.preferences import repository as preferences
from helpdesk_servicekit import wakeup

MANAGER_EVENTS = frozenset(r.event_type for r in decisions.RULES if getattr(r, "who", None) == "managers")


async def apply(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
    """Apply one consumed event (inside the kit's inbox-guarded transaction)."""
    merchant = envelope.merchant_id
    ticket: decisions.TicketFacts | None = None
    if isinstance(payload, AgentUpserted):
        await directory.upsert_staff(session, merchant, payload)
        return
    if isinstance(payload, AgentStatusChanged):
        await directory.record_status(session, merchant, payload.agent_id, payload.status, payload.at)
        return
    if isinstance(payload, TicketEvent):
        snapshot = payload.ticket
        if isinstance(payload, TicketCreated):
            await directory.upsert_customer(
                session,
                merchant,
                snapshot.customer_id,
                snapshot.customer_email,
                snapshot.customer_name,
                snapshot.locale,
            )
        newest = await directory.project_ticket(session, merchant, snapshot)
        ticket = decisions.TicketFacts(
            newest.ticket_id, newest.number, newest.subject, newest.customer_id, newest.assignee_id
        )
    else:
        if isinstance(payload, SurveyInvited):
            await directory.upsert_customer(
                session, merchant, payload.customer_id, payload.customer_email, payload.customer_name, payload.locale
            )
        ticket_id = getattr(payload, "ticket_id", None)
        row = await directory.ticket(session, merchant, ticket_id) if ticket_id else None
        if row is not None:
            ticket = decisions.TicketFacts(row.ticket_id, row.number, row.subject, row.customer_id, row.assignee_id)
        elif ticket_id is not None:
            ticket = decisions.TicketFacts(ticket_id)
    if envelope.event_type not in decisions.NOTIFYING_EVENT_TYPES:
        return
    ctx = await context.of(session)
    facts = decisions.Facts(
        ticket=ticket,
        managers=await directory.managers(session, merchant) if envelope.event_type in MANAGER_EVENTS else (),
        actor_id=getattr(payload, "actor_id", None),
        base_url=ctx.settings.public_base_url.rstrip("/"),
    )
    notices = decisions.decide(envelope.event_type, payload, facts)
    if notices:
        await deliver(session, ctx, envelope, notices)


def _email(
    notice: Notice, contact: directory.Contact | None, nid: uuid.UUID, mail_from: str
) -> tuple[str, dict[str, Any]]:
    """The statement queueing this notice's email, rendered for its audience only."""
    name, locale = (contact.name, contact.locale) if contact else (None, None)
    content = notice.content
    if isinstance(content, CustomerContent):
        rendered = render_customer_email(content, name, locale)
    else:
        assert isinstance(content, StaffContent)
        rendered = render_staff_email(content, name, locale)
    thread = thread_id(content.ticket.ticket_id, mail_from) if content.ticket else None
    address = contact.email if contact else None
    return emails.enqueue_inserted(address, rendered, message_id(nid, mail_from), thread)


def _role(notice: Notice, directory_role: str | None) -> Role:
    if notice.audience == "customer":
        return Role.CUSTOMER
    return Role(directory_role) if directory_role in (Role.AGENT.value, Role.MANAGER.value) else Role.AGENT


async def deliver(session: AsyncSession, ctx: context.NotifyContext, envelope: Envelope, notices: list[Notice]) -> None:
    """Write each recipient's notification on the channels their preferences allow."""
    merchant = envelope.merchant_id
    ids = [n.recipient_id for n in notices]
    people = await directory.contacts(session, merchant, ids)
    merchant_defaults, own = await preferences.for_recipients(session, merchant, ids)
    mail_from = ctx.settings.mail_from
    frames: list[LiveFrame] = []
    queued_email = False
    for notice in notices:
        contact = people.get(notice.recipient_id)
        role = _role(notice, contact.role if contact else None)
        channels = channels_for(
            role, envelope.event_type, merchant_defaults.get(role, {}), own.get(notice.recipient_id, {})
        )
        if not channels:
            continue
        nid = decisions.notification_id(envelope.event_id, notice.recipient_id)
        email = _email(notice, contact, nid, mail_from) if "email" in channels else None
        row = await inbox.insert(
            session, merchant, nid, notice, envelope.event_id, envelope.event_type, channels, then=email
        )
        if row is None:  # this event reached this recipient before
            continue
        queued_email = queued_email or (email is not None and email[1]["em_to"] is not None)
        if "websocket" in channels:
            notification = NotificationRead(**row).model_dump(mode="json")
            frame = json.dumps({"type": "notification", "notification": notification})
            frames.append(LiveFrame(merchant, notice.recipient_id, row["seq"], frame))
    context.push_after_commit(session, frames)
    if queued_email:
        wakeup.stage(session, WAKE_CHANNEL)
