"""Ticket use cases: open, read, list (queue views), edit, tag, change status."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Priority, Role, TicketCreated, TicketStatus, TicketUpdated, normalize_tags
from helpdesk_servicekit import outbox
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Forbidden, Unprocessable
from helpdesk_servicekit.idempotency import StoredResponse, run_once
from helpdesk_servicekit.pagination import Page, decode_cursor, encode_cursor
from helpdesk_tickets import repository
from helpdesk_tickets.categories.service import ensure_usable_category
from helpdesk_tickets.domain.tickets import add_tags, remove_tags
from helpdesk_tickets.merchant_settings.service import load_merchant_settings
from helpdesk_tickets.models import Ticket
from helpdesk_tickets.repository import Sort, TicketFilter
from helpdesk_tickets.settings import TicketsSettings
from helpdesk_tickets.shared import Actor, actor_fields, agent_scope, audit, emit, events, load_visible, snapshot, touch
from helpdesk_tickets.tickets import changes
from helpdesk_tickets.tickets.schemas import TicketCreate, TicketRead, TicketUpdate

NEW_TICKET_DEFAULTS: dict[str, Any] = {
    "assignee_id": None,
    "group_id": None,
    "escalation_level": 1,
    "sla_state": "on_track",
    "sla_due_at": None,
    "first_responded_at": None,
    "resolved_at": None,
    "closed_at": None,
}
UPDATABLE = ("subject", "priority", "category_id", "tags", "order_id", "product_id")


IDENTITY_FIELDS = ("customer_email", "customer_name", "locale")


def _customer_of(principal: Principal, data: TicketCreate) -> tuple[str, dict[str, str | None]]:
    """The ticket's customer and their contact details: a customer's own from their token's identity claims
    (a body that names them is refused), or those staff give when they open a ticket on someone's behalf."""
    if principal.role is Role.CUSTOMER:
        if data.customer_id not in (None, principal.user_id):
            raise Forbidden("customers open tickets for themselves only")
        supplied = [name for name in IDENTITY_FIELDS if getattr(data, name) is not None]
        if supplied:
            message = "a customer's contact details come from their account, not the request"
            raise Unprocessable(
                f"{', '.join(supplied)}: {message}",
                errors=[{"field": f"body.{name}", "message": message, "code": "not_allowed"} for name in supplied],
            )
        return principal.user_id, {
            "customer_email": principal.email,
            "customer_name": principal.name,
            "locale": principal.locale,
        }
    if data.customer_id is None:
        raise Unprocessable(
            "customer_id is required when staff open a ticket",
            errors=[{"field": "body.customer_id", "message": "Field required", "code": "missing"}],
        )
    return data.customer_id, {name: getattr(data, name) for name in IDENTITY_FIELDS}


def _iso(instant: datetime) -> str:
    """An aware datetime as pydantic writes it in JSON mode (UTC as Z, another offset kept)."""
    return instant.isoformat().replace("+00:00", "Z")


def created_payload(ticket: Ticket, actor: Actor) -> dict[str, Any]:
    """`TicketCreated(ticket=snapshot(ticket), ...)` dumped in JSON mode, built as a dict: the models cost ~60 us on
    the hottest write (a test holds the two equal)."""
    return {
        "ticket": {
            "ticket_id": str(ticket.id),
            "number": ticket.number,
            "customer_id": ticket.customer_id,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "category_id": None if ticket.category_id is None else str(ticket.category_id),
            "tags": list(ticket.tags),
            "assignee_id": ticket.assignee_id,
            "escalation_level": ticket.escalation_level,
            "order_id": ticket.order_id,
            "product_id": ticket.product_id,
            "created_at": _iso(ticket.created_at),
            "ticket_version": ticket.version,
            "customer_email": ticket.customer_email,
            "customer_name": ticket.customer_name,
            "sla_state": ticket.sla_state,
            "sla_due_at": None if ticket.sla_due_at is None else _iso(ticket.sla_due_at),
            "description": ticket.description,
            "locale": ticket.locale,
        },
        "actor_id": actor.id,
        "actor_role": None if actor.role is None else actor.role.value,
        "channel": "api",
    }


async def create_ticket(
    sessions: Sessions, principal: Principal, data: TicketCreate, idempotency_key: str | None = None
) -> StoredResponse:
    """Open a ticket (a customer for self, staff on behalf of `customer_id`) → 201 with the new ticket."""
    customer_id, identity = _customer_of(principal, data)
    now = utcnow()
    actor = Actor.of(principal)
    fields: dict[str, Any] = {
        "merchant_id": principal.merchant_id,
        "id": uuid.uuid4(),
        "customer_id": customer_id,
        **identity,
        "subject": data.subject,
        "description": data.description,
        "status": TicketStatus.NEW.value,
        "priority": data.priority.value,
        "category_id": data.category_id,
        "tags": normalize_tags(data.tags),
        "order_id": data.order_id,
        "product_id": data.product_id,
        "created_at": now,
        "version": 1,
    }
    # A plain view of the new row for the event and the response (the number is handed out by the insert):
    # building a SQLModel instance costs ~270 us here, pydantic inspecting default factories each time.
    ticket = cast(Ticket, SimpleNamespace(**NEW_TICKET_DEFAULTS, **fields, number=0, updated_at=now))
    staged = events.prepare(
        (TicketCreated.event_type, created_payload(ticket, actor)),
        merchant_id=principal.merchant_id,
        ordering_key=str(ticket.id),
    )
    write: dict[str, Any] = dict(
        ticket=fields,
        history={"subject": ticket.subject, "priority": ticket.priority},
        actor=(actor.id, actor.role_name),
        outbox_rows=outbox.rows_json([staged]),
    )
    if idempotency_key is None and data.category_id is None:
        ticket.number = await repository.insert_new_ticket_alone(sessions.kw["bind"], **write)
        outbox.written_outside_a_session()
        return StoredResponse(201, content=TicketRead.model_validate(ticket).model_dump_json().encode())

    async def work(session: AsyncSession) -> TicketRead:
        if data.category_id is not None:
            await ensure_usable_category(session, principal.merchant_id, data.category_id)
        ticket.number = await repository.insert_new_ticket(session, **write)
        outbox.wake_after_commit(session)
        return TicketRead.model_validate(ticket)

    return await run_once(sessions, principal, idempotency_key, ("create_ticket", data.model_dump(mode="json")), work)


async def get_ticket(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID) -> TicketRead:
    async with unit_of_work(sessions) as session:
        return TicketRead.model_validate(await load_visible(session, principal, ticket_id))


def _cursor_value(ticket: TicketRead, key: str) -> Any:
    value = {
        "created": ticket.created_at,
        "updated": ticket.updated_at,
        "priority": Priority(ticket.priority).rank,
        "sla_due": ticket.sla_due_at,
    }[key]
    return value.isoformat() if isinstance(value, datetime) else value


def _decode_after(cursor: str, sort: Sort) -> tuple[Any, uuid.UUID]:
    values = decode_cursor(cursor)
    bad = Unprocessable("cursor is not valid", errors=[{"field": "query.cursor", "message": "invalid cursor"}])
    if len(values) != 3 or values[0] != sort.key:
        raise bad
    try:
        raw, last_id = values[1], uuid.UUID(values[2])
        if raw is None or sort.key == "priority":
            return (None if raw is None else int(raw)), last_id
        return datetime.fromisoformat(raw), last_id
    except (TypeError, ValueError):
        raise bad from None


async def list_tickets(
    sessions: Sessions, principal: Principal, query: TicketFilter, sort: Sort, limit: int, cursor: str | None
) -> Page[TicketRead]:
    """A queue view: customers see their own tickets and search public text only."""
    if principal.role is Role.CUSTOMER:
        query = replace(query, customer_id=principal.user_id, search_internal=False)
    if cursor:
        sort = Sort(sort.key, sort.descending, _decode_after(cursor, sort))
    async with unit_of_work(sessions) as session:
        if principal.role is Role.AGENT:
            query = await _scoped_to_agent(session, principal, query)
        elif query.my_groups:
            query = replace(query, group_ids=[])  # only agents belong to groups
        rows = await repository.list_tickets(session, principal.merchant_id, query, sort, limit + 1)
        items = [TicketRead.model_validate(row._asdict()) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor(sort.key, _cursor_value(last, sort.key), str(last.id))
    return Page(items=items, next_cursor=next_cursor)


async def _scoped_to_agent(session: AsyncSession, principal: Principal, query: TicketFilter) -> TicketFilter:
    """An agent's queue view: `group_id=mine` becomes their groups; without `agents_see_all_tickets` they see
    only the tickets assigned to them and those of their groups."""
    see_all, groups = await agent_scope(session, principal)
    if query.my_groups:
        query = replace(query, group_ids=groups)
    if not see_all:
        query = replace(query, visible_to=(principal.user_id, groups))
    return query


async def update_ticket(
    sessions: Sessions, principal: Principal, ticket_id: uuid.UUID, data: TicketUpdate
) -> TicketRead:
    """Edit subject, priority, category, tags, order or product → one `ticket.updated` naming the changes."""
    async with unit_of_work(sessions) as session:
        ticket = await load_visible(session, principal, ticket_id, for_update=True)
        wanted: dict[str, Any] = {}
        for name in UPDATABLE:
            if name in data.model_fields_set:
                value = getattr(data, name)
                if name in ("subject", "priority") and value is None:
                    raise Unprocessable(
                        f"{name} cannot be null", errors=[{"field": f"body.{name}", "message": "may not be null"}]
                    )
                if name == "priority":
                    value = value.value
                elif name == "tags":
                    value = normalize_tags(value or [])
                wanted[name] = value
        if wanted.get("category_id") is not None and wanted["category_id"] != ticket.category_id:
            await ensure_usable_category(session, principal.merchant_id, wanted["category_id"])
        changed = [name for name, value in wanted.items() if getattr(ticket, name) != value]
        if changed:
            await _apply_changes(session, ticket, {n: wanted[n] for n in changed}, Actor.of(principal))
        await session.commit()
        return TicketRead.model_validate(ticket)


async def _apply_changes(session: Any, ticket: Ticket, changes: dict[str, Any], actor: Actor) -> None:
    now = utcnow()
    old = {name: getattr(ticket, name) for name in changes}
    for name, value in changes.items():
        setattr(ticket, name, value)
    touch(ticket, now)
    for name, value in changes.items():
        audit(
            session, ticket, actor, name.removesuffix("_id") if name == "category_id" else name, old[name], value, now
        )
    await emit(session, ticket, TicketUpdated(ticket=snapshot(ticket), changed=list(changes), **actor_fields(actor)))


async def change_tags(
    sessions: Sessions, principal: Principal, ticket_id: uuid.UUID, *, add: list[str], remove: list[str]
) -> TicketRead:
    """Add or remove tags (case-insensitive); a no-op changes nothing and emits nothing."""
    async with unit_of_work(sessions) as session:
        ticket = await load_visible(session, principal, ticket_id, for_update=True)
        tags = remove_tags(add_tags(list(ticket.tags), add), remove)
        if tags != list(ticket.tags):
            await _apply_changes(session, ticket, {"tags": tags}, Actor.of(principal))
        await session.commit()
        return TicketRead.model_validate(ticket)


async def change_status(
    sessions: Sessions, principal: Principal, ticket_id: uuid.UUID, target: TicketStatus, defaults: TicketsSettings
) -> TicketRead:
    """Move a ticket along the lifecycle table; anything else is a 409 naming the allowed targets."""
    async with unit_of_work(sessions) as session:
        ticket = await load_visible(session, principal, ticket_id, for_update=True)
        merchant_settings = await load_merchant_settings(session, principal.merchant_id, defaults)
        await changes.change_status(session, ticket, target, Actor.of(principal), utcnow(), merchant_settings)
        await session.commit()
        return TicketRead.model_validate(ticket)
