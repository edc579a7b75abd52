"""Votes and views: one vote per user per article, one view per user per article per day, counters beside."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def record_view(
    session: AsyncSession, merchant_id: str, article_id: uuid.UUID, user_id: str, now: datetime
) -> bool:
    """Count the view when it is the user's first of the (UTC) day; True when it counted."""
    result = await session.execute(
        text(
            "WITH seen AS (INSERT INTO kb_article_views (merchant_id, article_id, user_id, day)"
            " VALUES (:m, :a, :u, CAST(:day AS date)) ON CONFLICT DO NOTHING RETURNING 1)"
            " UPDATE kb_article_stats SET view_count = view_count + 1"
            " WHERE merchant_id = :m AND article_id = :a AND EXISTS (SELECT 1 FROM seen) RETURNING 1"
        ),
        {"m": merchant_id, "a": article_id, "u": user_id, "day": now.date()},
    )
    return result.first() is not None


async def lock_counters(session: AsyncSession, merchant_id: str, article_id: uuid.UUID) -> bool:
    """Serialize votes on one article (its counter row), so the counts stay exact under concurrent votes."""
    found = await session.execute(
        text("SELECT 1 FROM kb_article_stats WHERE merchant_id = :m AND article_id = :a FOR UPDATE"),
        {"m": merchant_id, "a": article_id},
    )
    return found.first() is not None


async def previous_vote(session: AsyncSession, merchant_id: str, article_id: uuid.UUID, user_id: str) -> bool | None:
    return (
        await session.execute(
            text("SELECT helpful FROM kb_feedback WHERE merchant_id = :m AND article_id = :a AND user_id = :u"),
            {"m": merchant_id, "a": article_id, "u": user_id},
        )
    ).scalar_one_or_none()


async def upsert_vote(
    session: AsyncSession,
    merchant_id: str,
    article_id: uuid.UUID,
    user_id: str,
    helpful: bool,
    comment: str | None,
    now: datetime,
) -> None:
    await session.execute(
        text(
            "INSERT INTO kb_feedback (merchant_id, article_id, user_id, helpful, comment, created_at, updated_at)"
            " VALUES (:m, :a, :u, :h, :c, :now, :now) ON CONFLICT (merchant_id, article_id, user_id)"
            " DO UPDATE SET helpful = EXCLUDED.helpful, comment = EXCLUDED.comment, updated_at = EXCLUDED.updated_at"
        ),
        {"m": merchant_id, "a": article_id, "u": user_id, "h": helpful, "c": comment, "now": now},
    )


async def adjust_counts(
    session: AsyncSession, merchant_id: str, article_id: uuid.UUID, helpful_delta: int, not_helpful_delta: int
) -> tuple[int, int]:
    row = (
        await session.execute(
            text(
                "UPDATE kb_article_stats SET helpful_count = helpful_count + :h,"
                " not_helpful_count = not_helpful_count + :n WHERE merchant_id = :m AND article_id = :a"
                " RETURNING helpful_count, not_helpful_count"
            ),
            {"m": merchant_id, "a": article_id, "h": helpful_delta, "n": not_helpful_delta},
        )
    ).one()
    return row.helpful_count, row.not_helpful_count


async def list_feedback(
    session: AsyncSession, merchant_id: str, article_id: uuid.UUID, limit: int
) -> list[tuple[str, bool, str | None, datetime]]:
    rows = await session.execute(
        text(
            "SELECT user_id, helpful, comment, updated_at FROM kb_feedback WHERE merchant_id = :m AND article_id = :a"
            " ORDER BY updated_at DESC LIMIT :limit"
        ),
        {"m": merchant_id, "a": article_id, "limit": limit},
    )
    return [(r.user_id, r.helpful, r.comment, r.updated_at) for r in rows]
