from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import ManagerPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_tickets.context import Ctx
from helpdesk_tickets.escalation import service
from helpdesk_tickets.escalation.schemas import EscalationCreate
from helpdesk_tickets.tickets.schemas import TicketRead

router = APIRouter(prefix="/v1/tickets", tags=["escalation"])


@router.post("/{ticket_id}/escalations", status_code=201, response_model=TicketRead)
async def escalate(
    ticket_id: uuid.UUID,
    data: EscalationCreate,
    principal: ManagerPrincipal,
    ctx: Ctx,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Raise the ticket to `level` (2 or 3); never a downgrade."""
    status, body = await service.escalate(ctx.sessions, principal, ticket_id, data.level, data.reason, idempotency_key)
    return JSONResponse(body, status_code=status)
