"""Queries on tickets themselves: load, number, and the filtered, sorted queue views."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, text, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from helpdesk_tickets.models import Message, Ticket

SEARCH_CONFIG = "english"
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
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, *, for_update: bool = False
) -> Ticket | None:
    query = select(Ticket).where(Ticket.merchant_id == merchant_id, Ticket.id == ticket_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def _text_match(merchant_id: str, words: str, search_internal: bool) -> ColumnElement[bool]:
    query = func.websearch_to_tsquery(SEARCH_CONFIG, words)
    public = literal_column("tickets.search_vector").op("@@")(query)
    if not search_internal:
        return public
    matching = union(
        select(col(Ticket.id)).where(Ticket.merchant_id == merchant_id, public),
        select(col(Message.ticket_id)).where(
            Message.merchant_id == merchant_id,
            Message.visibility == "internal",
            func.to_tsvector(SEARCH_CONFIG, Message.body).op("@@")(query),
        ),
    )
    return Ticket.id.in_(matching)  # type: ignore[attr-defined]


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


async def list_tickets(
    session: AsyncSession, merchant_id: str, f: TicketFilter, sort: Sort, limit: int
) -> list[Ticket]:
    """One page of a queue view, keyset-paginated on (sort column, id)."""
    column = SORT_COLUMNS[sort.key]
    query = select(Ticket).where(*_filters(merchant_id, f))
    if sort.after is not None:
        query = query.where(_after(column, sort.descending, *sort.after))
    if sort.descending:
        query = query.order_by(column.desc().nulls_first(), Ticket.id.desc())  # type: ignore[attr-defined]
    else:
        query = query.order_by(column.asc().nulls_last(), Ticket.id.asc())  # type: ignore[attr-defined]
    return list((await session.execute(query.limit(limit))).scalars())
