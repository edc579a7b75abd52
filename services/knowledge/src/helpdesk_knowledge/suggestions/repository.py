"""Suggestions shown (ticket form or new ticket), what was opened, and which were followed by a ticket."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession


async def insert(
    session: AsyncSession,
    merchant_id: str,
    suggestion_id: uuid.UUID,
    *,
    source: str,
    customer_id: str | None,
    ticket_id: uuid.UUID | None,
    query: str,
    language: str | None,
    article_ids: list[uuid.UUID],
    now: datetime,
) -> bool:
    """False when the ticket already has its suggestion (the same ticket announced twice)."""
    result = await session.execute(
        text(
            "INSERT INTO kb_suggestions (merchant_id, id, source, customer_id, ticket_id, query, language,"
            " article_ids, created_at) VALUES (:m, :id, :source, :customer, :ticket, :query, :language, :articles,"
            " :now) ON CONFLICT DO NOTHING RETURNING id"
        ),
        {
            "m": merchant_id,
            "id": suggestion_id,
            "source": source,
            "customer": customer_id,
            "ticket": ticket_id,
            "query": query[:5000],
            "language": language,
            "articles": article_ids,
            "now": now,
        },
    )
    return result.first() is not None


async def get(session: AsyncSession, merchant_id: str, suggestion_id: uuid.UUID) -> Row[Any] | None:
    return (
        await session.execute(
            text(
                "SELECT id, source, customer_id, ticket_id, article_ids, created_at, opened_at, opened_article_ids,"
                " followed_by_ticket_id, followed_by_ticket_at FROM kb_suggestions WHERE merchant_id = :m AND id = :id"
            ),
            {"m": merchant_id, "id": suggestion_id},
        )
    ).first()


async def mark_opened(
    session: AsyncSession, merchant_id: str, suggestion_id: uuid.UUID, article_id: uuid.UUID, now: datetime
) -> None:
    await session.execute(
        text(
            "UPDATE kb_suggestions SET opened_at = coalesce(opened_at, :now),"
            " opened_article_ids = CASE WHEN :a = ANY(opened_article_ids) THEN opened_article_ids"
            " ELSE opened_article_ids || CAST(:a AS uuid) END WHERE merchant_id = :m AND id = :id"
        ),
        {"m": merchant_id, "id": suggestion_id, "a": article_id, "now": now},
    )


async def mark_followed_by_ticket(
    session: AsyncSession,
    merchant_id: str,
    customer_id: str,
    ticket_id: uuid.UUID,
    ticket_created_at: datetime,
    window: timedelta,
    skew: timedelta,
) -> int:
    """The customer's form suggestions of the window before this ticket were followed by it."""
    result = await session.execute(
        text(
            "UPDATE kb_suggestions SET followed_by_ticket_id = :t, followed_by_ticket_at = :at"
            " WHERE merchant_id = :m AND source = 'form' AND customer_id = :c AND followed_by_ticket_id IS NULL"
            " AND created_at >= :since AND created_at <= :until"
        ),
        {
            "m": merchant_id,
            "c": customer_id,
            "t": ticket_id,
            "at": ticket_created_at,
            "since": ticket_created_at - window,
            "until": ticket_created_at + skew,
        },
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def funnel(
    session: AsyncSession, merchant_id: str, since: datetime, until: datetime, settled_before: datetime
) -> Row[Any]:
    return (
        await session.execute(
            text(
                "SELECT"
                " count(*) FILTER (WHERE source = 'form') AS form_requests,"
                " count(*) FILTER (WHERE source = 'form' AND cardinality(article_ids) > 0) AS suggested,"
                " count(*) FILTER (WHERE source = 'form' AND opened_at IS NOT NULL) AS opened,"
                " count(*) FILTER (WHERE source = 'form' AND opened_at IS NOT NULL"
                "   AND followed_by_ticket_id IS NOT NULL) AS opened_then_ticket,"
                " count(*) FILTER (WHERE source = 'form' AND opened_at IS NOT NULL AND followed_by_ticket_id IS NULL"
                "   AND created_at < :settled) AS deflected,"
                " count(*) FILTER (WHERE source = 'form' AND opened_at IS NOT NULL AND followed_by_ticket_id IS NULL"
                "   AND created_at >= :settled) AS pending,"
                " count(*) FILTER (WHERE source = 'form' AND cardinality(article_ids) > 0 AND opened_at IS NULL"
                "   AND followed_by_ticket_id IS NOT NULL) AS not_opened_then_ticket,"
                " count(*) FILTER (WHERE source = 'ticket') AS tickets,"
                " count(*) FILTER (WHERE source = 'ticket' AND cardinality(article_ids) > 0) AS tickets_suggested,"
                " count(*) FILTER (WHERE source = 'ticket' AND opened_at IS NOT NULL) AS tickets_opened"
                " FROM kb_suggestions WHERE merchant_id = :m AND created_at >= :since AND created_at < :until"
            ),
            {"m": merchant_id, "since": since, "until": until, "settled": settled_before},
        )
    ).one()


async def for_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> Row[Any] | None:
    """The suggestion made when the ticket was created, with its articles as they are now (published ones)."""
    return (
        await session.execute(
            text(
                "SELECT s.id, s.customer_id, s.created_at, s.opened_article_ids,"
                " coalesce(array_agg(a.id ORDER BY x.n) FILTER (WHERE a.id IS NOT NULL), '{}') AS article_ids,"
                " coalesce(array_agg(a.title ORDER BY x.n) FILTER (WHERE a.id IS NOT NULL), '{}') AS titles,"
                " coalesce(array_agg(a.slug ORDER BY x.n) FILTER (WHERE a.id IS NOT NULL), '{}') AS slugs"
                " FROM kb_suggestions s"
                " LEFT JOIN LATERAL unnest(s.article_ids) WITH ORDINALITY AS x(article_id, n) ON true"
                " LEFT JOIN kb_articles a ON a.merchant_id = s.merchant_id AND a.id = x.article_id"
                "  AND a.status = 'published'"
                " WHERE s.merchant_id = :m AND s.ticket_id = :t AND s.source = 'ticket'"
                " GROUP BY s.id, s.customer_id, s.created_at, s.opened_article_ids"
            ),
            {"m": merchant_id, "t": ticket_id},
        )
    ).first()
