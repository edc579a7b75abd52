"""Ticket categories: managers configure them; everyone in the merchant picks from the active ones."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, NotFound
from helpdesk_tickets.categories import repository
from helpdesk_tickets.categories.schemas import CategoryCreate, CategoryRead, CategoryUpdate
from helpdesk_tickets.models import Category
from helpdesk_tickets.problems import field_error


async def ensure_usable_category(session: AsyncSession, merchant_id: str, category_id: uuid.UUID) -> None:
    """A ticket may only point at an active category of its own merchant (422 otherwise)."""
    category = await repository.get(session, merchant_id, category_id)
    if category is None or not category.active:
        raise field_error("body.category_id", "no active category with this id")


async def _check_parent(
    session: AsyncSession, merchant_id: str, parent_id: uuid.UUID | None, self_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    if parent_id == self_id:
        raise field_error("body.parent_id", "a category cannot be its own parent")
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = parent_id
    while current is not None and current not in seen:
        seen.add(current)
        parent = await repository.get(session, merchant_id, current)
        if parent is None:
            raise field_error("body.parent_id", "no category with this id")
        if parent.id == self_id:
            raise field_error("body.parent_id", "this parent would make a cycle")
        current = parent.parent_id


async def create_category(session: AsyncSession, principal: Principal, data: CategoryCreate) -> CategoryRead:
    if await repository.name_taken(session, principal.merchant_id, data.name, None):
        raise Conflict(f"a category named {data.name!r} already exists")
    await _check_parent(session, principal.merchant_id, data.parent_id, None)
    now = utcnow()
    category = Category(
        merchant_id=principal.merchant_id,
        name=data.name,
        description=data.description,
        parent_id=data.parent_id,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(category)
    return CategoryRead.model_validate(category)


async def list_categories(sessions: Sessions, principal: Principal, include_inactive: bool) -> list[CategoryRead]:
    async with unit_of_work(sessions) as session:
        rows = await repository.list_all(
            session, principal.merchant_id, include_inactive=include_inactive and principal.is_staff
        )
        return [CategoryRead.model_validate(c) for c in rows]


async def _load(session: AsyncSession, principal: Principal, category_id: uuid.UUID) -> Category:
    category = await repository.get(session, principal.merchant_id, category_id)
    if category is None or (not category.active and not principal.is_staff):
        raise NotFound(f"category {category_id} not found")
    return category


async def get_category(sessions: Sessions, principal: Principal, category_id: uuid.UUID) -> CategoryRead:
    async with unit_of_work(sessions) as session:
        return CategoryRead.model_validate(await _load(session, principal, category_id))


async def update_category(
    sessions: Sessions, principal: Principal, category_id: uuid.UUID, data: CategoryUpdate
) -> CategoryRead:
    async with unit_of_work(sessions) as session:
        category = await _load(session, principal, category_id)
        fields = data.model_fields_set
        if "name" in fields and data.name is not None:
            if await repository.name_taken(session, principal.merchant_id, data.name, category.id):
                raise Conflict(f"a category named {data.name!r} already exists")
            category.name = data.name
        if "description" in fields and data.description is not None:
            category.description = data.description
        if "parent_id" in fields:
            await _check_parent(session, principal.merchant_id, data.parent_id, category.id)
            category.parent_id = data.parent_id
        if "active" in fields and data.active is not None:
            category.active = data.active
        category.updated_at = utcnow()
        await session.commit()
        return CategoryRead.model_validate(category)


async def archive_category(sessions: Sessions, principal: Principal, category_id: uuid.UUID) -> None:
    """Deleting archives: tickets keep pointing at it, new tickets can no longer pick it."""
    async with unit_of_work(sessions) as session:
        category = await _load(session, principal, category_id)
        category.active = False
        category.updated_at = utcnow()
        await session.commit()
