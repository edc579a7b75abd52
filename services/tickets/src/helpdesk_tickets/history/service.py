"""Reading the audit trail. Writing it is `shared.audit`, inside each change's own transaction."""

from __future__ import annotations

import uuid

from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Unprocessable
from helpdesk_servicekit.pagination import Page, decode_cursor, encode_cursor
from helpdesk_tickets.history import repository
from helpdesk_tickets.history.schemas import HistoryRead
from helpdesk_tickets.shared import load_visible


async def ticket_history(
    sessions: Sessions, principal: Principal, ticket_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[HistoryRead]:
    before = None
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != 1 or not isinstance(values[0], int):
            raise Unprocessable("cursor is not valid", errors=[{"field": "query.cursor", "message": "invalid cursor"}])
        before = values[0]
    async with unit_of_work(sessions) as session:
        await load_visible(session, principal, ticket_id)
        rows = await repository.list_for_ticket(
            session, principal.merchant_id, ticket_id, before_id=before, limit=limit + 1
        )
        items = [HistoryRead.model_validate(r) for r in rows[:limit]]
    return Page(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)
