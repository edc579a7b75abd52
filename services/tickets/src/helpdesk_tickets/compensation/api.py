from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import ManagerPrincipal, StaffPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey, run_once
from helpdesk_servicekit.openapi import problems
from helpdesk_tickets.compensation import service
from helpdesk_tickets.compensation.schemas import (
    CompensationCreate,
    CompensationDecision,
    CompensationList,
    CompensationRead,
)
from helpdesk_tickets.deps import SessionsDep, Settings

router = APIRouter(prefix="/v1/tickets", tags=["compensation"])


@router.post("/{ticket_id}/compensations", status_code=201, response_model=CompensationRead)
async def request_compensation(
    ticket_id: uuid.UUID,
    data: CompensationCreate,
    principal: StaffPrincipal,
    sessions: SessionsDep,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Issue a compensation (or request one above the approval threshold)."""
    stored = await run_once(
        sessions,
        principal,
        idempotency_key,
        ("compensation", str(ticket_id), data.model_dump(mode="json")),
        lambda session: service.request_compensation(session, principal, ticket_id, data, settings),
    )
    return stored.response()


@router.get("/{ticket_id}/compensations", response_model=CompensationList)
async def list_compensations(
    ticket_id: uuid.UUID, principal: StaffPrincipal, sessions: SessionsDep
) -> CompensationList:
    """The ticket's compensations, newest first, with totals per currency."""
    return await service.list_compensations(sessions, principal, ticket_id)


@router.post(
    "/{ticket_id}/compensations/{compensation_id}/decision", response_model=CompensationRead, responses=problems(409)
)
async def decide(
    ticket_id: uuid.UUID,
    compensation_id: uuid.UUID,
    data: CompensationDecision,
    principal: ManagerPrincipal,
    sessions: SessionsDep,
) -> CompensationRead:
    """A manager approves or rejects a pending compensation."""
    return await service.decide(sessions, principal, ticket_id, compensation_id, data)
