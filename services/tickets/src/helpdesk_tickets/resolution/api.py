from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import CurrentPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey, run_once
from helpdesk_servicekit.openapi import problems
from helpdesk_tickets.deps import SessionsDep, Settings
from helpdesk_tickets.resolution import service
from helpdesk_tickets.resolution.schemas import ResolutionAnswer
from helpdesk_tickets.tickets.schemas import TicketRead

router = APIRouter(prefix="/v1/tickets", tags=["resolution"])


@router.post("/{ticket_id}/resolution", response_model=TicketRead, responses=problems(403, 409))
async def answer_resolution(
    ticket_id: uuid.UUID,
    data: ResolutionAnswer,
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The ticket's customer accepts (→ closed) or rejects (→ reopened) its resolution."""
    stored = await run_once(
        sessions,
        principal,
        idempotency_key,
        ("resolution", str(ticket_id), data.model_dump(mode="json")),
        lambda session: service.answer_resolution(session, principal, ticket_id, data, settings),
        status_code=200,
    )
    return stored.response()
