from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from helpdesk_notify.inbox import service
from helpdesk_notify.inbox.schemas import NotificationRead, ReadAll, UnreadCount
from helpdesk_servicekit.auth import CurrentPrincipal
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_servicekit.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/v1/notifications", tags=["inbox"])


@router.get("", response_model=Page[NotificationRead])
async def list_notifications(
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    params: Annotated[PageParams, Depends(page_params)],
    unread: Annotated[bool, Query(description="only unread ones")] = False,
) -> Page[NotificationRead]:
    """My notifications, newest first."""
    return await service.list_mine(sessions, principal, params, unread)


@router.get("/unread-count", response_model=UnreadCount)
async def unread_count(principal: CurrentPrincipal, sessions: SessionsDep) -> UnreadCount:
    return UnreadCount(unread=await service.unread_count(sessions, principal))


@router.post("/read-all", response_model=ReadAll)
async def read_all(principal: CurrentPrincipal, sessions: SessionsDep) -> ReadAll:
    return ReadAll(marked_read=await service.mark_all_read(sessions, principal))


@router.post("/{notification_id}/read", response_model=NotificationRead)
async def read_one(notification_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> NotificationRead:
    return await service.mark_read(sessions, principal, notification_id)
