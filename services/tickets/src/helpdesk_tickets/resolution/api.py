from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import CurrentPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_tickets.context import Ctx
from helpdesk_tickets.resolution import service
from helpdesk_tickets.resolution.schemas import ResolutionAnswer
from helpdesk_tickets.tickets.schemas import TicketRead

router = APIRouter(prefix="/v1/tickets", tags=["resolution"])


@router.post("/{ticket_id}/resolution", response_model=TicketRead)
async def answer_resolution(
    ticket_id: uuid.UUID,
    data: ResolutionAnswer,
    principal: CurrentPrincipal,
    ctx: Ctx,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The ticket's customer accepts (→ closed) or rejects (→ reopened) its resolution."""
    status, body = await service.answer_resolution(
        ctx.sessions, principal, ticket_id, data, ctx.settings, idempotency_key
    )
    return JSONResponse(body, status_code=status)
