"""Replies and internal notes, and what a reply does to the ticket (first response, waiting, reopen)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Role, TicketMessageAdded, TicketStatus, Visibility
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, Forbidden
from helpdesk_tickets.attachments import repository as attachments_repository
from helpdesk_tickets.attachments.schemas import AttachmentRead
from helpdesk_tickets.domain.lifecycle import ReplyNotAllowed, check_reply, status_after_reply
from helpdesk_tickets.merchant_settings.service import load_merchant_settings
from helpdesk_tickets.messages import repository
from helpdesk_tickets.messages.schemas import MessageCreate, MessageRead
from helpdesk_tickets.models import Message, Ticket
from helpdesk_tickets.problems import field_error
from helpdesk_tickets.settings import TicketsSettings
from helpdesk_tickets.shared import Actor, actor_fields, audit, emit, load_visible, snapshot, touch
from helpdesk_tickets.tickets import changes


async def add_message(
    session: AsyncSession, principal: Principal, ticket_id: uuid.UUID, data: MessageCreate, defaults: TicketsSettings
) -> MessageRead:
    """A public reply or an internal note; an internal note's body never goes into the event."""
    if data.visibility is Visibility.INTERNAL and not principal.is_staff:
        raise Forbidden("only agents and managers add internal notes")
    ticket = await load_visible(session, principal, ticket_id, for_update=True)
    return await post_message(session, principal, ticket, data, defaults)


async def post_message(
    session: AsyncSession,
    principal: Principal,
    ticket: Ticket,
    data: MessageCreate,
    defaults: TicketsSettings,
    *,
    moves_status: bool = True,
) -> MessageRead:
    """Write the message, its history row and event, and (unless told not to) the status it leads to."""
    public = data.visibility is Visibility.PUBLIC
    by_customer = principal.role is Role.CUSTOMER
    current = TicketStatus(ticket.status)
    if moves_status:
        try:
            check_reply(current, by_customer=by_customer, public=public)
        except ReplyNotAllowed as exc:
            raise Conflict(str(exc)) from None
    attachments = await attachments_repository.unlinked(
        session, principal.merchant_id, ticket.id, principal.user_id, data.attachment_ids
    )
    if len(attachments) != len(set(data.attachment_ids)):
        raise field_error("body.attachment_ids", "every attachment must be your own unused upload to this ticket")
    now = utcnow()
    message = Message(
        merchant_id=ticket.merchant_id,
        ticket_id=ticket.id,
        author_id=principal.user_id,
        author_role=principal.role.value,
        visibility=data.visibility.value,
        body=data.body,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    for attachment in attachments:
        attachment.message_id = message.id
    first_response = principal.is_staff and public and ticket.first_responded_at is None
    if first_response:
        ticket.first_responded_at = now
    actor = Actor.of(principal)
    touch(ticket, now)
    attachment_ids = [a.id for a in attachments]
    detail = {"message_id": str(message.id), "attachment_ids": [str(i) for i in attachment_ids]}
    audit(session, ticket, actor, "message" if public else "note", None, detail, now)
    await emit(
        session,
        ticket,
        TicketMessageAdded(
            ticket=snapshot(ticket),
            message_id=message.id,
            visibility=data.visibility,
            author_id=principal.user_id,
            author_role=principal.role,
            body=data.body if public else None,
            attachment_ids=attachment_ids,
            first_response=first_response,
            **actor_fields(actor),
        ),
    )
    target = status_after_reply(current, by_customer=by_customer, public=public) if moves_status else None
    if target is not None:
        merchant_settings = await load_merchant_settings(session, principal.merchant_id, defaults)
        await changes.change_status(session, ticket, target, actor, now, merchant_settings)
    read = MessageRead.model_validate(message)
    read.attachments = [AttachmentRead.model_validate(a) for a in attachments]
    return read


async def list_messages(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID) -> list[MessageRead]:
    """The conversation, oldest first; customers never see internal notes."""
    async with unit_of_work(sessions) as session:
        await load_visible(session, principal, ticket_id)
        rows = await repository.list_messages(
            session, principal.merchant_id, ticket_id, public_only=not principal.is_staff
        )
        files = await attachments_repository.for_messages(session, principal.merchant_id, [m.id for m in rows])
        result = []
        for message in rows:
            read = MessageRead.model_validate(message)
            read.attachments = [AttachmentRead.model_validate(a) for a in files.get(message.id, [])]
            result.append(read)
        return result
