"""Queries of feature requests, their votes and their ticket links."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_feedback.domain.feature_requests import STATUSES

_COLUMNS = (
    "id, title, description, status, author_id, author_role, vote_count, ticket_count, merged_into_id,"
    " created_at, updated_at, status_changed_at"
)
_STATUS_RANK = "array_position(ARRAY[" + ", ".join(f"'{s}'" for s in STATUSES) + "]::text[], status)"


async def insert(
    session: AsyncSession, merchant_id: str, request_id: uuid.UUID, title: str, description: str, author_id: str,
    author_role: str,
) -> None:
    await session.execute(
        text(
            "INSERT INTO feature_requests (merchant_id, id, title, description, author_id, author_role)"
            " VALUES (:m, :id, :title, :description, :author, :role)"
        ),
        {"m": merchant_id, "id": request_id, "title": title, "description": description, "author": author_id,
         "role": author_role},
    )


async def get(
    session: AsyncSession, merchant_id: str, request_id: uuid.UUID, *, for_update: bool = False
) -> Row[Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return (
        await session.execute(
            text(f"SELECT {_COLUMNS} FROM feature_requests WHERE merchant_id = :m AND id = :id{lock}"),
            {"m": merchant_id, "id": request_id},
        )
    ).first()


async def lock_pair(session: AsyncSession, merchant_id: str, a: uuid.UUID, b: uuid.UUID) -> dict[uuid.UUID, Row[Any]]:
    """Lock two requests in id order (so two merges of the same pair never deadlock)."""
    rows = await session.execute(
        text(
            f"SELECT {_COLUMNS} FROM feature_requests WHERE merchant_id = :m AND id = ANY(:ids) ORDER BY id FOR UPDATE"
        ),
        {"m": merchant_id, "ids": [a, b]},
    )
    return {row.id: row for row in rows}


async def add_vote(session: AsyncSession, merchant_id: str, request_id: uuid.UUID, user_id: str) -> bool:
    """Record the user's vote and count it; False when they had voted already."""
    inserted = await session.execute(
        text(
            "WITH vote AS (INSERT INTO feature_request_votes (merchant_id, feature_request_id, user_id)"
            " VALUES (:m, :id, :u) ON CONFLICT DO NOTHING RETURNING 1)"
            " UPDATE feature_requests SET vote_count = vote_count + 1, updated_at = now()"
            " WHERE merchant_id = :m AND id = :id AND EXISTS (SELECT 1 FROM vote) RETURNING vote_count"
        ),
        {"m": merchant_id, "id": request_id, "u": user_id},
    )
    return inserted.first() is not None


async def remove_vote(session: AsyncSession, merchant_id: str, request_id: uuid.UUID, user_id: str) -> bool:
    removed = await session.execute(
        text(
            "WITH vote AS (DELETE FROM feature_request_votes WHERE merchant_id = :m AND feature_request_id = :id"
            " AND user_id = :u RETURNING 1)"
            " UPDATE feature_requests SET vote_count = vote_count - 1, updated_at = now()"
            " WHERE merchant_id = :m AND id = :id AND EXISTS (SELECT 1 FROM vote) RETURNING vote_count"
        ),
        {"m": merchant_id, "id": request_id, "u": user_id},
    )
    return removed.first() is not None


async def voters(session: AsyncSession, merchant_id: str, request_id: uuid.UUID, limit: int) -> list[str]:
    rows = await session.execute(
        text(
            "SELECT user_id FROM feature_request_votes WHERE merchant_id = :m AND feature_request_id = :id"
            " ORDER BY created_at, user_id LIMIT :n"
        ),
        {"m": merchant_id, "id": request_id, "n": limit},
    )
    return [row.user_id for row in rows]


async def voted_among(session: AsyncSession, merchant_id: str, ids: list[uuid.UUID], user_id: str) -> set[uuid.UUID]:
    if not ids:
        return set()
    rows = await session.execute(
        text(
            "SELECT feature_request_id FROM feature_request_votes WHERE merchant_id = :m"
            " AND feature_request_id = ANY(:ids) AND user_id = :u"
        ),
        {"m": merchant_id, "ids": ids, "u": user_id},
    )
    return {row.feature_request_id for row in rows}


async def set_status(
    session: AsyncSession, merchant_id: str, request_id: uuid.UUID, status: str, now: datetime,
    merged_into_id: uuid.UUID | None = None,
) -> None:
    await session.execute(
        text(
            "UPDATE feature_requests SET status = :s, status_changed_at = :now, updated_at = :now,"
            " merged_into_id = coalesce(:into, merged_into_id) WHERE merchant_id = :m AND id = :id"
        ),
        {"m": merchant_id, "id": request_id, "s": status, "now": now, "into": merged_into_id},
    )


async def merge_into(session: AsyncSession, merchant_id: str, source: uuid.UUID, target: uuid.UUID) -> None:
    """Move votes and ticket links to `target` (a user or ticket already there is not counted twice), recount."""
    params = {"m": merchant_id, "source": source, "target": target}
    for statement in (
        "INSERT INTO feature_request_votes (merchant_id, feature_request_id, user_id, created_at)"
        " SELECT merchant_id, :target, user_id, created_at FROM feature_request_votes"
        " WHERE merchant_id = :m AND feature_request_id = :source ON CONFLICT DO NOTHING",
        "DELETE FROM feature_request_votes WHERE merchant_id = :m AND feature_request_id = :source",
        "INSERT INTO feature_request_tickets (merchant_id, feature_request_id, ticket_id, linked_by, created_at)"
        " SELECT merchant_id, :target, ticket_id, linked_by, created_at FROM feature_request_tickets"
        " WHERE merchant_id = :m AND feature_request_id = :source ON CONFLICT DO NOTHING",
        "DELETE FROM feature_request_tickets WHERE merchant_id = :m AND feature_request_id = :source",
    ):
        await session.execute(text(statement), params)
    for request_id in (source, target):
        await recount(session, merchant_id, request_id)


async def recount(session: AsyncSession, merchant_id: str, request_id: uuid.UUID) -> None:
    await session.execute(
        text(
            "UPDATE feature_requests SET updated_at = now(),"
            " vote_count = (SELECT count(*) FROM feature_request_votes v"
            "   WHERE v.merchant_id = :m AND v.feature_request_id = :id),"
            " ticket_count = (SELECT count(*) FROM feature_request_tickets t"
            "   WHERE t.merchant_id = :m AND t.feature_request_id = :id)"
            " WHERE merchant_id = :m AND id = :id"
        ),
        {"m": merchant_id, "id": request_id},
    )


async def link_ticket(
    session: AsyncSession, merchant_id: str, request_id: uuid.UUID, ticket_id: uuid.UUID, user_id: str
) -> bool:
    linked = await session.execute(
        text(
            "WITH link AS (INSERT INTO feature_request_tickets (merchant_id, feature_request_id, ticket_id, linked_by)"
            " VALUES (:m, :id, :ticket, :u) ON CONFLICT DO NOTHING RETURNING 1)"
            " UPDATE feature_requests SET ticket_count = ticket_count + 1, updated_at = now()"
            " WHERE merchant_id = :m AND id = :id AND EXISTS (SELECT 1 FROM link) RETURNING ticket_count"
        ),
        {"m": merchant_id, "id": request_id, "ticket": ticket_id, "u": user_id},
    )
    return linked.first() is not None


async def unlink_ticket(session: AsyncSession, merchant_id: str, request_id: uuid.UUID, ticket_id: uuid.UUID) -> bool:
    unlinked = await session.execute(
        text(
            "WITH link AS (DELETE FROM feature_request_tickets WHERE merchant_id = :m AND feature_request_id = :id"
            " AND ticket_id = :ticket RETURNING 1)"
            " UPDATE feature_requests SET ticket_count = ticket_count - 1, updated_at = now()"
            " WHERE merchant_id = :m AND id = :id AND EXISTS (SELECT 1 FROM link) RETURNING ticket_count"
        ),
        {"m": merchant_id, "id": request_id, "ticket": ticket_id},
    )
    return unlinked.first() is not None


async def linked_tickets(session: AsyncSession, merchant_id: str, request_id: uuid.UUID) -> list[Row[Any]]:
    rows = await session.execute(
        text(
            "SELECT ticket_id, linked_by, created_at FROM feature_request_tickets"
            " WHERE merchant_id = :m AND feature_request_id = :id ORDER BY created_at DESC, ticket_id LIMIT 1000"
        ),
        {"m": merchant_id, "id": request_id},
    )
    return list(rows)


def _keyset(sort: str) -> tuple[str, str]:
    """ORDER BY and the `after the cursor` condition of a sort (newest first within equal keys)."""
    if sort == "votes":
        return "vote_count DESC, created_at DESC, id DESC", "(vote_count, created_at, id) < (:k0, :k1, :k2)"
    if sort == "status":
        return (
            f"{_STATUS_RANK} ASC, created_at DESC, id DESC",
            f"({_STATUS_RANK} > :k0 OR ({_STATUS_RANK} = :k0 AND (created_at, id) < (:k1, :k2)))",
        )
    return "created_at DESC, id DESC", "(created_at, id) < (:k1, :k2)"


async def page(
    session: AsyncSession,
    merchant_id: str,
    *,
    sort: str,
    status: str | None,
    include_merged: bool,
    after: tuple[int, datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    order, after_condition = _keyset(sort)
    where = ["merchant_id = :m"]
    params: dict[str, Any] = {"m": merchant_id, "n": limit}
    if status is not None:
        where.append("status = :status")
        params["status"] = status
    if not include_merged:
        where.append("merged_into_id IS NULL")
    if after is not None:
        where.append(after_condition)
        params |= {"k0": after[0], "k1": after[1], "k2": after[2]}
    rows = await session.execute(
        text(
            f"SELECT {_COLUMNS}, {_STATUS_RANK} AS status_rank FROM feature_requests"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT :n"
        ),
        params,
    )
    return list(rows)
