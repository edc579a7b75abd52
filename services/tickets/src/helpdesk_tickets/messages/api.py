from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import CurrentPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_tickets.context import Ctx
from helpdesk_tickets.messages import service
from helpdesk_tickets.messages.schemas import MessageCreate, MessageRead

router = APIRouter(prefix="/v1/tickets", tags=["messages"])


@router.post("/{ticket_id}/messages", status_code=201, response_model=MessageRead)
async def add_message(
    ticket_id: uuid.UUID,
    data: MessageCreate,
    principal: CurrentPrincipal,
    ctx: Ctx,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A public reply (anyone on the ticket) or an internal note (staff), optionally with uploaded attachments."""
    status, body = await service.add_message(ctx.sessions, principal, ticket_id, data, ctx.settings, idempotency_key)
    return JSONResponse(body, status_code=status)


@router.get("/{ticket_id}/messages", response_model=list[MessageRead])
async def list_messages(ticket_id: uuid.UUID, principal: CurrentPrincipal, ctx: Ctx) -> list[MessageRead]:
    return await service.list_messages(ctx.sessions, principal, ticket_id)
