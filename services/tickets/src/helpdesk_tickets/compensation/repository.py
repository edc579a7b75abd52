from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_tickets.models import Compensation


async def get(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, compensation_id: uuid.UUID, *, for_update: bool
) -> Compensation | None:
    query = select(Compensation).where(
        Compensation.merchant_id == merchant_id,
        Compensation.ticket_id == ticket_id,
        Compensation.id == compensation_id,
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def for_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> list[Compensation]:
    query = (
        select(Compensation)
        .where(Compensation.merchant_id == merchant_id, Compensation.ticket_id == ticket_id)
        .order_by(Compensation.created_at.desc(), Compensation.id.desc())  # type: ignore[attr-defined]
    )
    return list((await session.execute(query)).scalars())
