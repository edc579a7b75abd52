"""Use cases: each opens one unit of work, loads, applies the domain, saves and stages its events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_contracts import (
    Payload,
    Role,
    TicketCreated,
    TicketMessageAdded,
    TicketSnapshot,
    TicketStatus,
    TicketStatusChanged,
    Visibility,
    make_envelope,
)
from helpdesk_servicekit import idempotency, outbox
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.errors import Forbidden, InvalidTransition, NotFound, Unprocessable
from helpdesk_servicekit.pagination import Page, decode_cursor, encode_cursor
from helpdesk_servicekit.telemetry import correlation_id
from helpdesk_tickets import repository
from helpdesk_tickets.domain.lifecycle import TransitionNotAllowed, check_transition
from helpdesk_tickets.models import Message, Ticket
from helpdesk_tickets.schemas import MessageCreate, MessageRead, TicketCreate, TicketRead

PRODUCER = "tickets"
Sessions = async_sessionmaker[AsyncSession]


def utcnow() -> datetime:
    return datetime.now(UTC)


def snapshot(ticket: Ticket) -> TicketSnapshot:
    return TicketSnapshot(
        ticket_id=ticket.id,
        number=ticket.number,
        customer_id=ticket.customer_id,
        subject=ticket.subject,
        status=TicketStatus(ticket.status),
        priority=ticket.priority,  # type: ignore[arg-type]
        category_id=ticket.category_id,
        tags=list(ticket.tags),
        assignee_id=ticket.assignee_id,
        escalation_level=ticket.escalation_level,
        order_id=ticket.order_id,
        product_id=ticket.product_id,
        created_at=ticket.created_at,
        ticket_version=ticket.version,
    )


async def emit(session: AsyncSession, ticket: Ticket, payload: Payload, causation_id: str | None = None) -> None:
    """Stage an event about `ticket` in the current transaction, ordered by ticket."""
    envelope = make_envelope(
        payload,
        merchant_id=ticket.merchant_id,
        producer=PRODUCER,
        correlation_id=correlation_id.get(),
        causation_id=causation_id,
    )
    await outbox.add(session, envelope, ordering_key=str(ticket.id))


def touch(ticket: Ticket, now: datetime) -> None:
    ticket.updated_at = now
    ticket.version += 1


async def load_visible(
    session: AsyncSession, principal: Principal, ticket_id: uuid.UUID, *, for_update: bool = False
) -> Ticket:
    """The ticket if the caller may see it; 404 for another merchant's or another customer's."""
    ticket = await repository.get_ticket(session, principal.merchant_id, ticket_id, for_update=for_update)
    if ticket is None or (principal.role is Role.CUSTOMER and ticket.customer_id != principal.user_id):
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


async def create_ticket(
    sessions: Sessions, principal: Principal, data: TicketCreate, idempotency_key: str | None = None
) -> tuple[int, dict[str, Any]]:
    """Open a ticket (a customer for self, staff on behalf of `customer_id`); returns status and body."""
    if principal.role is Role.CUSTOMER:
        if data.customer_id not in (None, principal.user_id):
            raise Forbidden("customers open tickets for themselves only")
        customer_id = principal.user_id
    elif data.customer_id is None:
        raise Unprocessable(
            "customer_id is required when staff open a ticket",
            errors=[{"field": "body.customer_id", "message": "Field required", "code": "missing"}],
        )
    else:
        customer_id = data.customer_id
    async with unit_of_work(sessions) as session:
        if idempotency_key:
            request_hash = idempotency.fingerprint("create_ticket", data.model_dump(mode="json"))
            stored = await idempotency.reserve(
                session, principal.merchant_id, principal.user_id, idempotency_key, request_hash
            )
            if stored is not None:
                return stored.status_code, stored.body
        now = utcnow()
        ticket = Ticket(
            merchant_id=principal.merchant_id,
            number=await repository.next_ticket_number(session, principal.merchant_id),
            customer_id=customer_id,
            subject=data.subject,
            description=data.description,
            status=TicketStatus.NEW.value,
            priority=data.priority.value,
            category_id=data.category_id,
            tags=normalize_tags(data.tags),
            order_id=data.order_id,
            product_id=data.product_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        session.add(ticket)
        await emit(
            session,
            ticket,
            TicketCreated(ticket=snapshot(ticket), actor_id=principal.user_id, actor_role=principal.role),
        )
        body = TicketRead.model_validate(ticket).model_dump(mode="json")
        if idempotency_key:
            await idempotency.remember(session, principal.merchant_id, principal.user_id, idempotency_key, 201, body)
        await session.commit()
    return 201, body


def normalize_tags(tags: list[str]) -> list[str]:
    """Tags are case-insensitive: stored lower-cased, inner spaces as dashes, unique, in order."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault("-".join(tag.lower().split()), None)
    return list(seen)


async def get_ticket(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID) -> TicketRead:
    async with unit_of_work(sessions) as session:
        return TicketRead.model_validate(await load_visible(session, principal, ticket_id))


async def list_tickets(
    sessions: Sessions, principal: Principal, *, statuses: list[TicketStatus], limit: int, cursor: str | None
) -> Page[TicketRead]:
    after = None
    if cursor:
        values = decode_cursor(cursor)
        try:
            after = (datetime.fromisoformat(values[0]), uuid.UUID(values[1]))
        except (IndexError, TypeError, ValueError):
            raise Unprocessable("cursor is not valid") from None
    async with unit_of_work(sessions) as session:
        rows = await repository.list_tickets(
            session,
            principal.merchant_id,
            customer_id=principal.user_id if principal.role is Role.CUSTOMER else None,
            statuses=[s.value for s in statuses],
            after=after,
            limit=limit + 1,
        )
        items = [TicketRead.model_validate(t) for t in rows[:limit]]
    next_cursor = encode_cursor(items[-1].created_at.isoformat(), str(items[-1].id)) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


async def change_status(
    sessions: Sessions, principal: Principal, ticket_id: uuid.UUID, target: TicketStatus
) -> TicketRead:
    """Move a ticket along the lifecycle table; anything else is a 409 naming the allowed targets."""
    async with unit_of_work(sessions) as session:
        ticket = await load_visible(session, principal, ticket_id, for_update=True)
        current = TicketStatus(ticket.status)
        try:
            check_transition(current, target)
        except TransitionNotAllowed as exc:
            raise InvalidTransition(str(exc), current=current.value, allowed=[s.value for s in exc.allowed]) from None
        now = utcnow()
        ticket.status = target.value
        if target is TicketStatus.RESOLVED:
            ticket.resolved_at = now
        elif target is TicketStatus.CLOSED:
            ticket.closed_at = now
        touch(ticket, now)
        await emit(
            session,
            ticket,
            TicketStatusChanged(
                ticket=snapshot(ticket),
                from_status=current,
                to_status=target,
                actor_id=principal.user_id,
                actor_role=principal.role,
            ),
        )
        await session.commit()
        return TicketRead.model_validate(ticket)


async def add_message(
    sessions: Sessions, principal: Principal, ticket_id: uuid.UUID, data: MessageCreate
) -> MessageRead:
    """A public reply or an internal note; an internal note's body never goes into the event."""
    if data.visibility is Visibility.INTERNAL and not principal.is_staff:
        raise Forbidden("only agents and managers add internal notes")
    async with unit_of_work(sessions) as session:
        ticket = await load_visible(session, principal, ticket_id, for_update=True)
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
        first_response = (
            principal.is_staff and data.visibility is Visibility.PUBLIC and ticket.first_responded_at is None
        )
        if first_response:
            ticket.first_responded_at = now
        touch(ticket, now)
        await emit(
            session,
            ticket,
            TicketMessageAdded(
                ticket=snapshot(ticket),
                message_id=message.id,
                visibility=data.visibility,
                author_id=principal.user_id,
                author_role=principal.role,
                body=data.body if data.visibility is Visibility.PUBLIC else None,
                first_response=first_response,
                actor_id=principal.user_id,
                actor_role=principal.role,
            ),
        )
        await session.commit()
        return MessageRead.model_validate(message)


async def list_messages(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID) -> list[MessageRead]:
    async with unit_of_work(sessions) as session:
        await load_visible(session, principal, ticket_id)
        rows = await repository.list_messages(
            session, principal.merchant_id, ticket_id, public_only=not principal.is_staff
        )
        return [MessageRead.model_validate(m) for m in rows]
