from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import CurrentPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey, run_once
from helpdesk_servicekit.openapi import problems
from helpdesk_tickets.deps import SessionsDep, Settings
from helpdesk_tickets.messages import service
from helpdesk_tickets.messages.schemas import MessageCreate, MessageRead

router = APIRouter(prefix="/v1/tickets", tags=["messages"])


@router.post("/{ticket_id}/messages", status_code=201, response_model=MessageRead, responses=problems(403, 409))
async def add_message(
    ticket_id: uuid.UUID,
    data: MessageCreate,
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A public reply (anyone on the ticket) or an internal note (staff), optionally with uploaded attachments."""
    request = ("add_message", str(ticket_id), data.model_dump(mode="json"))
    stored = await run_once(
        sessions,
        principal,
        idempotency_key,
        request,
        lambda session: service.add_message(session, principal, ticket_id, data, settings),
    )
    return stored.response()


@router.get("/{ticket_id}/messages", response_model=list[MessageRead])
async def list_messages(ticket_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> list[MessageRead]:
    return await service.list_messages(sessions, principal, ticket_id)
