"""Queries on KB categories."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

COLUMNS = "id, name, description, parent_id, position, created_at, updated_at"


class NameTaken(Exception):
    pass


async def get(session: AsyncSession, merchant_id: str, category_id: uuid.UUID) -> Row[Any] | None:
    return (
        await session.execute(
            text(f"SELECT {COLUMNS} FROM kb_categories WHERE merchant_id = :m AND id = :id"),
            {"m": merchant_id, "id": category_id},
        )
    ).first()


async def list_all(session: AsyncSession, merchant_id: str) -> list[Row[Any]]:
    return list(
        (
            await session.execute(
                text(f"SELECT {COLUMNS} FROM kb_categories WHERE merchant_id = :m ORDER BY position, lower(name), id"),
                {"m": merchant_id},
            )
        ).all()
    )


async def has_children(session: AsyncSession, merchant_id: str, category_id: uuid.UUID) -> bool:
    found = await session.execute(
        text("SELECT 1 FROM kb_categories WHERE merchant_id = :m AND parent_id = :id LIMIT 1"),
        {"m": merchant_id, "id": category_id},
    )
    return found.first() is not None


async def has_articles(session: AsyncSession, merchant_id: str, category_id: uuid.UUID) -> bool:
    found = await session.execute(
        text("SELECT 1 FROM kb_articles WHERE merchant_id = :m AND category_id = :id LIMIT 1"),
        {"m": merchant_id, "id": category_id},
    )
    return found.first() is not None


async def upsert(session: AsyncSession, merchant_id: str, category_id: uuid.UUID, values: dict[str, Any]) -> None:
    try:
        async with session.begin_nested():
            await session.execute(
                text(
                    "INSERT INTO kb_categories (merchant_id, id, name, description, parent_id, position)"
                    " VALUES (:m, :id, :name, :description, :parent_id, :position)"
                    " ON CONFLICT (merchant_id, id) DO UPDATE SET name = EXCLUDED.name,"
                    " description = EXCLUDED.description, parent_id = EXCLUDED.parent_id,"
                    " position = EXCLUDED.position, updated_at = now()"
                ),
                {"m": merchant_id, "id": category_id} | values,
            )
    except IntegrityError as exc:
        if "uq_kb_categories_name" in str(exc.orig):
            raise NameTaken from None
        raise


async def delete(session: AsyncSession, merchant_id: str, category_id: uuid.UUID) -> bool:
    result = await session.execute(
        text("DELETE FROM kb_categories WHERE merchant_id = :m AND id = :id RETURNING id"),
        {"m": merchant_id, "id": category_id},
    )
    return result.first() is not None
