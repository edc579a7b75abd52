from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from helpdesk_tickets.models import HistoryEntry


async def list_for_ticket(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, *, before_id: int | None, limit: int
) -> list[HistoryEntry]:
    """Newest first, keyset-paginated on the row id (ids grow with time)."""
    query = select(HistoryEntry).where(HistoryEntry.merchant_id == merchant_id, HistoryEntry.ticket_id == ticket_id)
    if before_id is not None:
        query = query.where(col(HistoryEntry.id) < before_id)
    query = query.order_by(HistoryEntry.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list((await session.execute(query)).scalars())
