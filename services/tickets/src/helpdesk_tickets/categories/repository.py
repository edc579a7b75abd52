from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from helpdesk_tickets.models import Category


async def get(session: AsyncSession, merchant_id: str, category_id: uuid.UUID) -> Category | None:
    query = select(Category).where(Category.merchant_id == merchant_id, Category.id == category_id)
    return (await session.execute(query)).scalar_one_or_none()


async def name_taken(session: AsyncSession, merchant_id: str, name: str, except_id: uuid.UUID | None) -> bool:
    query = select(col(Category.id)).where(
        Category.merchant_id == merchant_id, func.lower(Category.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(Category.id != except_id)
    return (await session.execute(query.limit(1))).first() is not None


async def list_all(session: AsyncSession, merchant_id: str, *, include_inactive: bool) -> list[Category]:
    query = select(Category).where(Category.merchant_id == merchant_id)
    if not include_inactive:
        query = query.where(Category.active.is_(True))  # type: ignore[attr-defined]
    return list((await session.execute(query.order_by(func.lower(Category.name), Category.id))).scalars())
