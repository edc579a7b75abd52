from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from helpdesk_notify.email import repository
from helpdesk_notify.email.schemas import DeliveryRead
from helpdesk_notify.inbox.service import cursor_seq
from helpdesk_servicekit.auth import ManagerPrincipal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_servicekit.pagination import Page, PageParams, encode_cursor, page_params

router = APIRouter(prefix="/v1/notifications", tags=["deliveries"])


@router.get("/deliveries", response_model=Page[DeliveryRead])
async def delivery_log(
    principal: ManagerPrincipal,
    sessions: SessionsDep,
    params: Annotated[PageParams, Depends(page_params)],
    status: Annotated[Literal["queued", "sent", "failed"] | None, Query()] = None,
    recipient_id: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    notification_id: uuid.UUID | None = None,
) -> Page[DeliveryRead]:
    """The merchant's email delivery log, newest first (managers)."""
    async with unit_of_work(sessions) as session:
        rows = await repository.log_page(
            session,
            principal.merchant_id,
            status=status,
            recipient_id=recipient_id,
            notification_id=notification_id,
            before_seq=cursor_seq(params.cursor),
            limit=params.limit + 1,
        )
    items = [DeliveryRead(**row) for row in rows[: params.limit]]
    next_cursor = encode_cursor(rows[params.limit - 1]["seq"]) if len(rows) > params.limit else None
    return Page(items=items, next_cursor=next_cursor)
