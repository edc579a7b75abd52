"""The only place with queries for tickets and messages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_tickets.models import Message, Ticket


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


async def list_tickets(
    session: AsyncSession,
    merchant_id: str,
    *,
    customer_id: str | None,
    statuses: Sequence[str],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Ticket]:
    """Newest first, keyset-paginated on (created_at, id)."""
    query = select(Ticket).where(Ticket.merchant_id == merchant_id)
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    if statuses:
        query = query.where(Ticket.status.in_(statuses))  # type: ignore[attr-defined]
    if after is not None:
        created, last_id = after
        query = query.where(
            or_(Ticket.created_at < created, and_(Ticket.created_at == created, Ticket.id < last_id))  # type: ignore[arg-type]
        )
    query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)  # type: ignore[attr-defined]
    return list((await session.execute(query)).scalars())


async def list_messages(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, *, public_only: bool
) -> list[Message]:
    query = select(Message).where(Message.merchant_id == merchant_id, Message.ticket_id == ticket_id)
    if public_only:
        query = query.where(Message.visibility == "public")
    query = query.order_by(Message.created_at, Message.id)  # type: ignore[arg-type]
    return list((await session.execute(query)).scalars())
