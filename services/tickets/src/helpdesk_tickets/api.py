"""HTTP routes: schema → use case → schema, nothing else."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from helpdesk_contracts import TicketStatus
from helpdesk_servicekit.auth import CurrentPrincipal, StaffPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_servicekit.pagination import Page, PageParams, page_params
from helpdesk_tickets import service
from helpdesk_tickets.schemas import MessageCreate, MessageRead, StatusChange, TicketCreate, TicketRead

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])


def sessions(request: Request) -> service.Sessions:
    return request.app.state.sessions


Sessions = Annotated[service.Sessions, Depends(sessions)]


@router.post("", status_code=201, response_model=TicketRead)
async def create_ticket(
    data: TicketCreate, principal: CurrentPrincipal, db: Sessions, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    status, body = await service.create_ticket(db, principal, data, idempotency_key)
    return JSONResponse(body, status_code=status)


@router.get("", response_model=Page[TicketRead])
async def list_tickets(
    principal: CurrentPrincipal,
    db: Sessions,
    page: Annotated[PageParams, Depends(page_params)],
    status: Annotated[list[TicketStatus] | None, Query()] = None,
) -> Page[TicketRead]:
    return await service.list_tickets(db, principal, statuses=status or [], limit=page.limit, cursor=page.cursor)


@router.get("/{ticket_id}", response_model=TicketRead)
async def get_ticket(ticket_id: uuid.UUID, principal: CurrentPrincipal, db: Sessions) -> TicketRead:
    return await service.get_ticket(db, principal, ticket_id)


@router.post("/{ticket_id}/status", response_model=TicketRead)
async def change_status(
    ticket_id: uuid.UUID, data: StatusChange, principal: StaffPrincipal, db: Sessions
) -> TicketRead:
    return await service.change_status(db, principal, ticket_id, data.status)


@router.post("/{ticket_id}/messages", status_code=201, response_model=MessageRead)
async def add_message(
    ticket_id: uuid.UUID, data: MessageCreate, principal: CurrentPrincipal, db: Sessions
) -> MessageRead:
    return await service.add_message(db, principal, ticket_id, data)


@router.get("/{ticket_id}/messages", response_model=list[MessageRead])
async def list_messages(ticket_id: uuid.UUID, principal: CurrentPrincipal, db: Sessions) -> list[MessageRead]:
    return await service.list_messages(db, principal, ticket_id)
