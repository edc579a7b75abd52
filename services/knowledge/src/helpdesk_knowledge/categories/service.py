"""KB categories: managers write, everyone of the merchant reads; nested one level deep."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_knowledge.categories import repository
from helpdesk_knowledge.categories.schemas import CategoryRead, CategoryWrite
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.errors import Conflict, NotFound, Unprocessable

Sessions = async_sessionmaker[AsyncSession]


def _invalid_parent(message: str) -> Unprocessable:
    return Unprocessable(message, errors=[{"field": "body.parent_id", "message": message}])


async def _check_parent(
    session: AsyncSession, merchant_id: str, category_id: uuid.UUID, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    if parent_id == category_id:
        raise _invalid_parent("a category cannot be its own parent")
    parent = await repository.get(session, merchant_id, parent_id)
    if parent is None:
        raise _invalid_parent(f"category {parent_id} not found")
    if parent.parent_id is not None:
        raise _invalid_parent("categories nest one level: the parent must be a top-level category")
    if await repository.has_children(session, merchant_id, category_id):
        raise _invalid_parent("a category with subcategories cannot become a subcategory")


async def save(
    session: AsyncSession, principal: Principal, category_id: uuid.UUID, data: CategoryWrite
) -> CategoryRead:
    await _check_parent(session, principal.merchant_id, category_id, data.parent_id)
    try:
        await repository.upsert(session, principal.merchant_id, category_id, data.model_dump())
    except repository.NameTaken:
        message = f"a category named {data.name!r} exists at this level"
        raise Conflict(message, errors=[{"field": "body.name", "message": message}]) from None
    row = await repository.get(session, principal.merchant_id, category_id)
    return CategoryRead.model_validate(dict(row._mapping))  # type: ignore[union-attr]


async def replace(
    sessions: Sessions, principal: Principal, category_id: uuid.UUID, data: CategoryWrite
) -> CategoryRead:
    async with unit_of_work(sessions) as session:
        if await repository.get(session, principal.merchant_id, category_id) is None:
            raise NotFound(f"category {category_id} not found")
        read = await save(session, principal, category_id, data)
        await session.commit()
    return read


async def get(sessions: Sessions, principal: Principal, category_id: uuid.UUID) -> CategoryRead:
    async with unit_of_work(sessions) as session:
        row = await repository.get(session, principal.merchant_id, category_id)
    if row is None:
        raise NotFound(f"category {category_id} not found")
    return CategoryRead.model_validate(dict(row._mapping))


async def list_categories(sessions: Sessions, principal: Principal) -> list[CategoryRead]:
    async with unit_of_work(sessions) as session:
        rows = await repository.list_all(session, principal.merchant_id)
    return [CategoryRead.model_validate(dict(row._mapping)) for row in rows]


async def delete(sessions: Sessions, principal: Principal, category_id: uuid.UUID) -> None:
    """Only an empty category goes: no subcategories, no articles (archived ones included)."""
    async with unit_of_work(sessions) as session:
        if await repository.get(session, principal.merchant_id, category_id) is None:
            raise NotFound(f"category {category_id} not found")
        if await repository.has_children(session, principal.merchant_id, category_id):
            raise Conflict("the category has subcategories")
        if await repository.has_articles(session, principal.merchant_id, category_id):
            raise Conflict("the category has articles; move them first")
        await repository.delete(session, principal.merchant_id, category_id)
        await session.commit()
