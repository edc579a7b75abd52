from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from helpdesk_servicekit.auth import StaffPrincipal
from helpdesk_servicekit.pagination import Page, PageParams, page_params
from helpdesk_tickets.deps import SessionsDep
from helpdesk_tickets.history import service
from helpdesk_tickets.history.schemas import HistoryRead

router = APIRouter(prefix="/v1/tickets", tags=["history"])


@router.get("/{ticket_id}/history", response_model=Page[HistoryRead])
async def ticket_history(
    ticket_id: uuid.UUID,
    principal: StaffPrincipal,
    sessions: SessionsDep,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[HistoryRead]:
    """The ticket's audit trail, newest first (read-only: there is no way to change it)."""
    return await service.ticket_history(sessions, principal, ticket_id, page.limit, page.cursor)
