"""Use cases of the in-app inbox: a user's own notifications only."""

from __future__ import annotations

import uuid

from helpdesk_notify.inbox import repository
from helpdesk_notify.inbox.schemas import NotificationRead
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import NotFound, Unprocessable
from helpdesk_servicekit.pagination import Page, PageParams, decode_cursor, encode_cursor


def cursor_seq(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    values = decode_cursor(cursor)
    if len(values) != 1 or not isinstance(values[0], int) or isinstance(values[0], bool) or not 0 < values[0] < 2**63:
        raise Unprocessable("cursor is not valid", errors=[{"field": "query.cursor", "message": "invalid cursor"}])
    return values[0]


async def list_mine(
    sessions: Sessions, principal: Principal, params: PageParams, unread: bool
) -> Page[NotificationRead]:
    async with unit_of_work(sessions) as session:
        rows = await repository.page(
            session,
            principal.merchant_id,
            principal.user_id,
            unread_only=unread,
            before_seq=cursor_seq(params.cursor),
            limit=params.limit + 1,
        )
    items = [NotificationRead(**row) for row in rows[: params.limit]]
    next_cursor = encode_cursor(items[-1].seq) if len(rows) > params.limit else None
    return Page(items=items, next_cursor=next_cursor)


async def unread_count(sessions: Sessions, principal: Principal) -> int:
    async with unit_of_work(sessions) as session:
        return await repository.unread_count(session, principal.merchant_id, principal.user_id)


async def mark_read(sessions: Sessions, principal: Principal, notification_id: uuid.UUID) -> NotificationRead:
    async with unit_of_work(sessions) as session:
        row = await repository.mark_read(session, principal.merchant_id, principal.user_id, notification_id)
        if row is None:
            raise NotFound("no such notification")
        await session.commit()
    return NotificationRead(**row)


async def mark_all_read(sessions: Sessions, principal: Principal) -> int:
    async with unit_of_work(sessions) as session:
        count = await repository.mark_all_read(session, principal.merchant_id, principal.user_id)
        await session.commit()
    return count
