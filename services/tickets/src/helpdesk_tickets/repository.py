"""Queries on tickets themselves: load, number, and the filtered, sorted queue views."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, literal_column, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from helpdesk_servicekit import outbox
from helpdesk_servicekit.db import RawStatement
from helpdesk_tickets.models import Message, Ticket

# A literal regconfig (not a bind parameter), so the planner matches the expression index on messages.
SEARCH_CONFIG: ColumnElement[Any] = literal_column("'english'::regconfig")
SORT_COLUMNS: dict[str, Any] = {
    "created": Ticket.created_at,
    "updated": Ticket.updated_at,
    "priority": Ticket.priority_rank,
    "sla_due": Ticket.sla_due_at,
}


@dataclass(frozen=True)
class TicketFilter:
    """What a queue view asks for; every field narrows, None / empty means 'any'."""

    customer_id: str | None = None
    statuses: Sequence[str] = ()
    priorities: Sequence[str] = ()
    assignee_id: str | None = None
    unassigned: bool = False
    group_ids: Sequence[str] | None = None  # None: any group; empty: none can match
    my_groups: bool = False  # the caller's groups (an agent's, from the directory), resolved by the use case
    # A restricted agent's view: tickets assigned to `visible_to[0]` or in one of the groups `visible_to[1]`.
    visible_to: tuple[str, Sequence[str]] | None = None
    category_id: uuid.UUID | None = None
    tags: Sequence[str] = ()
    escalation_levels: Sequence[int] = ()
    sla_states: Sequence[str] = ()
    order_id: str | None = None
    product_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    text: str | None = None
    search_internal: bool = False


@dataclass(frozen=True)
class Sort:
    key: str = "created"
    descending: bool = True
    after: tuple[Any, uuid.UUID] | None = field(default=None)


# Opening a ticket is the hottest write: the number, the ticket, its first history row and its
# `ticket.created` outbox row go in one statement, so without an Idempotency-Key it is one round trip
# in autocommit (atomic as any single statement) instead of BEGIN, four inserts and COMMIT.
# The envelope is built before the number is known; the statement writes the number into it.
_NUMBERED_ENVELOPE = "jsonb_set(r.envelope, '{payload,ticket,number}', to_jsonb(t.number))"
_CREATE_TICKET = text(
    f"""
    WITH n AS (
        INSERT INTO ticket_counters (merchant_id, last_number) VALUES (:merchant_id, 1)
        ON CONFLICT (merchant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
        RETURNING last_number
    ), t AS (
        INSERT INTO tickets (merchant_id, id, number, customer_id, customer_email, customer_name, locale, subject,
                             description, status, priority, category_id, tags, order_id, product_id,
                             created_at, updated_at, version)
        SELECT CAST(:merchant_id AS text), CAST(:id AS uuid), n.last_number, CAST(:customer_id AS text),
               CAST(:customer_email AS text), CAST(:customer_name AS text), CAST(:locale AS text),
               CAST(:subject AS text),
               CAST(:description AS text), CAST(:status AS text), CAST(:priority AS text),
               CAST(:category_id AS uuid), CAST(:tags AS text[]), CAST(:order_id AS text), CAST(:product_id AS text),
               CAST(:created_at AS timestamptz), CAST(:created_at AS timestamptz), CAST(:version AS bigint)
        FROM n RETURNING number
    ), h AS (
        INSERT INTO ticket_history (merchant_id, ticket_id, at, actor_id, actor_role, field, old_value, new_value,
                                    ticket_version)
        SELECT CAST(:merchant_id AS text), CAST(:id AS uuid), CAST(:created_at AS timestamptz),
               CAST(:actor_id AS text), CAST(:actor_role AS text), 'created', NULL, CAST(:history AS jsonb),
               CAST(:version AS bigint)
        FROM t
    ), o AS (
        {outbox.insert_sql(":outbox", envelope=_NUMBERED_ENVELOPE, also_from="t")}
    )
    SELECT number FROM t
    """
)


_CREATE_TICKET_ALONE = RawStatement(_CREATE_TICKET)


def _create_params(
    ticket: dict[str, Any], history: dict[str, Any], actor: tuple[str, str], outbox_rows: str
) -> dict[str, Any]:
    return {
        **ticket,
        "actor_id": actor[0],
        "actor_role": actor[1],
        "history": json.dumps(history, default=str),
        "outbox": outbox_rows,
    }


async def insert_new_ticket(
    session: AsyncSession, ticket: dict[str, Any], history: dict[str, Any], actor: tuple[str, str], outbox_rows: str
) -> int:
    """Write a new ticket with its number, history row and outbox row in one statement of the session's
    transaction; returns the number."""
    result = await session.execute(_CREATE_TICKET, _create_params(ticket, history, actor, outbox_rows))
    return int(result.scalar_one())


async def insert_new_ticket_alone(
    engine: AsyncEngine, ticket: dict[str, Any], history: dict[str, Any], actor: tuple[str, str], outbox_rows: str
) -> int:
    """The same statement on its own, in autocommit straight on asyncpg: one round trip, atomic on its own."""
    return int(await _CREATE_TICKET_ALONE.fetchval(engine, _create_params(ticket, history, actor, outbox_rows)))


async def next_ticket_number(session: AsyncSession, merchant_id: str) -> int:
    """Hand out the merchant's next ticket number (row-locked until the transaction ends)."""
    result = await session.execute(
        text(
            "INSERT INTO ticket_counters (merchant_id, last_number) VALUES (:m, 1)"
            " ON CONFLICT (merchant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1"
            " RETURNING last_number"
        ),
        {"m": merchant_id},
    )
    return int(result.scalar_one())


async def get_ticket(
    session: AsyncSession,
    merchant_id: str,
    ticket_id: uuid.UUID,
    *,
    for_update: bool = False,
    nowait: bool = False,
) -> Ticket | None:
    """The ticket (row-locked with `for_update`; with `nowait` too, a held lock raises instead of waiting)."""
    query = select(Ticket).where(Ticket.merchant_id == merchant_id, Ticket.id == ticket_id)
    if for_update:
        query = query.with_for_update(nowait=nowait)
    return (await session.execute(query)).scalar_one_or_none()


def _text_match(merchant_id: str, words: str, search_internal: bool) -> ColumnElement[bool]:
    """Public text for everyone; with `search_internal`, also tickets whose internal notes match.

    The notes' ticket ids are gathered once into an array (`id = ANY(ARRAY(...))`), so the planner can
    OR the two GIN lookups in one bitmap, or walk the sort index when the words are common.
    """
    query = func.websearch_to_tsquery(SEARCH_CONFIG, words)
    public = literal_column("tickets.search_vector").op("@@")(query)
    if not search_internal:
        return public
    noted = select(col(Message.ticket_id)).where(
        Message.merchant_id == merchant_id,
        Message.visibility == "internal",
        func.to_tsvector(SEARCH_CONFIG, Message.body).op("@@")(query),
    )
    return or_(public, Ticket.id == func.any_(func.array(noted.scalar_subquery())))


def _filters(merchant_id: str, f: TicketFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [col(Ticket.merchant_id) == merchant_id]
    if f.customer_id is not None:
        where.append(Ticket.customer_id == f.customer_id)
    if f.statuses:
        where.append(Ticket.status.in_(f.statuses))  # type: ignore[attr-defined]
    if f.priorities:
        where.append(Ticket.priority.in_(f.priorities))  # type: ignore[attr-defined]
    if f.unassigned:
        where.append(Ticket.assignee_id.is_(None))  # type: ignore[union-attr]
    elif f.assignee_id is not None:
        where.append(Ticket.assignee_id == f.assignee_id)
    if f.group_ids is not None:
        where.append(col(Ticket.group_id).in_(list(f.group_ids)))
    if f.visible_to is not None:
        agent_id, groups = f.visible_to
        where.append(or_(Ticket.assignee_id == agent_id, col(Ticket.group_id).in_(list(groups))))
    if f.category_id is not None:
        where.append(Ticket.category_id == f.category_id)
    if f.tags:
        where.append(Ticket.tags.contains(list(f.tags)))  # type: ignore[attr-defined]
    if f.escalation_levels:
        where.append(Ticket.escalation_level.in_(f.escalation_levels))  # type: ignore[attr-defined]
    if f.sla_states:
        where.append(Ticket.sla_state.in_(f.sla_states))  # type: ignore[attr-defined]
    if f.order_id is not None:
        where.append(Ticket.order_id == f.order_id)
    if f.product_id is not None:
        where.append(Ticket.product_id == f.product_id)
    for column, low, high in (
        (Ticket.created_at, f.created_from, f.created_to),
        (Ticket.updated_at, f.updated_from, f.updated_to),
    ):
        if low is not None:
            where.append(column >= low)
        if high is not None:
            where.append(column < high)
    if f.text:
        where.append(_text_match(merchant_id, f.text, f.search_internal))
    return where


def _after(column: Any, descending: bool, value: Any, last_id: uuid.UUID) -> ColumnElement[bool]:
    """Rows after (value, id) in `ORDER BY column [DESC NULLS FIRST | ASC NULLS LAST], id` order."""
    if descending:
        if value is None:
            return or_(and_(column.is_(None), Ticket.id < last_id), column.is_not(None))
        return or_(column < value, and_(column == value, Ticket.id < last_id))
    if value is None:
        return and_(column.is_(None), Ticket.id > last_id)
    return or_(column > value, and_(column == value, Ticket.id > last_id), column.is_(None))


# What a queue view shows: plain rows, not ORM objects (no identity map, no JSON decoding of SLA clocks).
INTERNAL_COLUMNS = {"sla_clocks", "manual_assignment_version", "routing_version", "routing_decided_at", "priority_rank"}
LISTED_COLUMNS = [c for c in Ticket.__table__.columns if c.name not in INTERNAL_COLUMNS]  # type: ignore[attr-defined]


async def list_tickets(
    session: AsyncSession, merchant_id: str, f: TicketFilter, sort: Sort, limit: int
) -> list[Row[Any]]:
    """One page of a queue view, keyset-paginated on (sort column, id)."""
    column = SORT_COLUMNS[sort.key]
    if f.text:
        # A prepared statement's generic plan cannot see how common the words are; after five runs it
        # would stick to one plan (20 ms instead of 3 ms for common words), so plan each search afresh.
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    query = select(*LISTED_COLUMNS).where(*_filters(merchant_id, f))
    if sort.after is not None:
        query = query.where(_after(column, sort.descending, *sort.after))
    if sort.descending:
        query = query.order_by(column.desc().nulls_first(), Ticket.id.desc())  # type: ignore[attr-defined]
    else:
        query = query.order_by(column.asc().nulls_last(), Ticket.id.asc())  # type: ignore[attr-defined]
    return list((await session.execute(query.limit(limit))).all())
