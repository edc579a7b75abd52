"""Queries of the in-app inbox: one row per (event, recipient), keyed by a deterministic id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_notify.domain.content import Notice

_COLUMNS = "id, seq, kind, event_type, title, body, link, ticket_id, ticket_number, data, channels, created_at, read_at"


async def insert(
    session: AsyncSession,
    merchant_id: str,
    notification_id: uuid.UUID,
    notice: Notice,
    event_id: uuid.UUID,
    event_type: str,
    channels: Sequence[str],
    then: tuple[str, dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """Insert the notification; None when it exists already (a duplicate event).

    `then` is a statement over `inserted` (the new row, if any) to run in the same round trip, e.g. queueing its
    email: it does nothing for a duplicate."""
    content = notice.content
    ticket = content.ticket
    data: dict[str, Any] = dict(content.facts)
    if ticket is not None and ticket.subject is not None:
        data["subject"] = ticket.subject
    insert_sql = (
        "INSERT INTO notifications (merchant_id, id, recipient_id, audience, event_id, event_type, kind,"
        " ticket_id, ticket_number, title, body, link, data, channels)"
        " VALUES (:m, :id, :r, :a, :e, :et, :k, :t, :n, :title, :body, :link, CAST(:data AS jsonb), :ch)"
        f" ON CONFLICT (merchant_id, id) DO NOTHING RETURNING {_COLUMNS}"
    )
    extra: dict[str, Any] = {}
    if then is not None:
        then_sql, extra = then
        insert_sql = f"WITH inserted AS ({insert_sql}), followed AS ({then_sql}) SELECT {_COLUMNS} FROM inserted"
    result = await session.execute(
        text(insert_sql),
        extra
        | {
            "m": merchant_id,
            "id": notification_id,
            "r": notice.recipient_id,
            "a": notice.audience,
            "e": event_id,
            "et": event_type,
            "k": content.kind,
            "t": ticket.ticket_id if ticket else None,
            "n": ticket.number if ticket else None,
            "title": content.title,
            "body": content.body_text,
            "link": content.link,
            "data": json.dumps(data),
            "ch": list(channels),
        },
    )
    row = result.mappings().first()
    return dict(row) if row else None


async def page(
    session: AsyncSession, merchant_id: str, user_id: str, *, unread_only: bool, before_seq: int | None, limit: int
) -> list[dict[str, Any]]:
    """The user's in-app notifications, newest first."""
    rows = await session.execute(
        text(
            f"SELECT {_COLUMNS} FROM notifications WHERE merchant_id = :m AND recipient_id = :u"
            " AND 'in_app' = ANY(channels)"
            + (" AND read_at IS NULL" if unread_only else "")
            + (" AND seq < :before" if before_seq is not None else "")
            + " ORDER BY seq DESC LIMIT :limit"
        ),
        {"m": merchant_id, "u": user_id, "before": before_seq, "limit": limit},
    )
    return [dict(r) for r in rows.mappings()]


async def unread_count(session: AsyncSession, merchant_id: str, user_id: str) -> int:
    result = await session.execute(
        text(
            "SELECT count(*) FROM notifications WHERE merchant_id = :m AND recipient_id = :u AND read_at IS NULL"
            " AND 'in_app' = ANY(channels)"
        ),
        {"m": merchant_id, "u": user_id},
    )
    return int(result.scalar_one())


async def mark_read(
    session: AsyncSession, merchant_id: str, user_id: str, notification_id: uuid.UUID
) -> dict[str, Any] | None:
    result = await session.execute(
        text(
            "UPDATE notifications SET read_at = coalesce(read_at, now())"
            " WHERE merchant_id = :m AND recipient_id = :u AND id = :id AND 'in_app' = ANY(channels)"
            f" RETURNING {_COLUMNS}"
        ),
        {"m": merchant_id, "u": user_id, "id": notification_id},
    )
    row = result.mappings().first()
    return dict(row) if row else None


async def mark_all_read(session: AsyncSession, merchant_id: str, user_id: str) -> int:
    result = await session.execute(
        text(
            "UPDATE notifications SET read_at = now() WHERE merchant_id = :m AND recipient_id = :u AND read_at IS NULL"
            " AND 'in_app' = ANY(channels)"
        ),
        {"m": merchant_id, "u": user_id},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def since(
    session: AsyncSession, merchant_id: str, user_id: str, notification_id: uuid.UUID, limit: int
) -> list[dict[str, Any]] | None:
    """The user's live notifications after `notification_id`, oldest first; None when that id is not theirs."""
    anchor = await session.execute(
        text("SELECT seq FROM notifications WHERE merchant_id = :m AND recipient_id = :u AND id = :id"),
        {"m": merchant_id, "u": user_id, "id": notification_id},
    )
    seq = anchor.scalar_one_or_none()
    if seq is None:
        return None
    rows = await session.execute(
        text(
            f"SELECT {_COLUMNS} FROM notifications WHERE merchant_id = :m AND recipient_id = :u AND seq > :seq"
            " AND 'websocket' = ANY(channels) ORDER BY seq LIMIT :limit"
        ),
        {"m": merchant_id, "u": user_id, "seq": seq, "limit": limit},
    )
    return [dict(r) for r in rows.mappings()]
