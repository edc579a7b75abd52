from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import ManagerPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey, run_once
from helpdesk_servicekit.openapi import problems
from helpdesk_tickets.deps import SessionsDep
from helpdesk_tickets.escalation import service
from helpdesk_tickets.escalation.schemas import EscalationCreate
from helpdesk_tickets.tickets.schemas import TicketRead

router = APIRouter(prefix="/v1/tickets", tags=["escalation"])


@router.post("/{ticket_id}/escalations", status_code=201, response_model=TicketRead, responses=problems(409))
async def escalate(
    ticket_id: uuid.UUID,
    data: EscalationCreate,
    principal: ManagerPrincipal,
    sessions: SessionsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Raise the ticket to `level` (2 or 3); never a downgrade."""
    stored = await run_once(
        sessions,
        principal,
        idempotency_key,
        ("escalate", str(ticket_id), data.level, data.reason),
        lambda session: service.escalate(session, principal, ticket_id, data.level, data.reason),
    )
    return stored.response()
