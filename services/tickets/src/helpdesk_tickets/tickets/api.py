"""Ticket routes: open, read, queue views, edit, tags, status."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from helpdesk_contracts import Priority, TicketStatus, normalize_tag
from helpdesk_servicekit.auth import CurrentPrincipal, StaffPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_servicekit.pagination import Page, PageParams, page_params
from helpdesk_tickets.deps import SessionsDep, Settings
from helpdesk_tickets.domain.sla import SlaState
from helpdesk_tickets.repository import Sort, TicketFilter
from helpdesk_tickets.tickets import service
from helpdesk_tickets.tickets.schemas import StatusChange, TagsChange, TicketCreate, TicketRead, TicketUpdate

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

Level = Annotated[int, Field(ge=1, le=3)]
SortParam = Literal["created", "-created", "updated", "-updated", "priority", "-priority", "sla_due", "-sla_due"]


async def queue_filter(
    principal: CurrentPrincipal,
    status: Annotated[list[TicketStatus] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    assignee: Annotated[str | None, Query(max_length=128, description="`me`, `none` or an agent id")] = None,
    category_id: uuid.UUID | None = None,
    group_id: Annotated[
        str | None, Query(min_length=1, max_length=128, description="a routing group's id, or `mine`: your groups")
    ] = None,
    tag: Annotated[list[str] | None, Query(max_length=20)] = None,
    escalation_level: Annotated[list[Level] | None, Query()] = None,
    sla_state: Annotated[list[SlaState] | None, Query()] = None,
    customer_id: Annotated[str | None, Query(max_length=128)] = None,
    order_id: Annotated[str | None, Query(max_length=128)] = None,
    product_id: Annotated[str | None, Query(max_length=128)] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    updated_from: datetime | None = None,
    updated_to: datetime | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="full-text search")] = None,
    search_internal: Annotated[bool, Query(description="staff: also match internal notes")] = True,
) -> TicketFilter:
    return TicketFilter(
        customer_id=customer_id,
        statuses=[s.value for s in status or []],
        priorities=[p.value for p in priority or []],
        assignee_id=principal.user_id if assignee == "me" else (None if assignee in (None, "none") else assignee),
        unassigned=assignee == "none",
        category_id=category_id,
        group_ids=None if group_id in (None, "mine") else [group_id],
        my_groups=group_id == "mine",
        tags=[t for t in (normalize_tag(x) for x in tag or []) if t],
        escalation_levels=escalation_level or [],
        sla_states=[s.value for s in sla_state or []],
        order_id=order_id,
        product_id=product_id,
        created_from=created_from,
        created_to=created_to,
        updated_from=updated_from,
        updated_to=updated_to,
        text=q,
        search_internal=search_internal,
    )


async def queue_sort(sort: SortParam = "-created") -> Sort:
    return Sort(key=sort.lstrip("-"), descending=sort.startswith("-"))


@router.post("", status_code=201, response_model=TicketRead)
async def create_ticket(
    data: TicketCreate, principal: CurrentPrincipal, sessions: SessionsDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    stored = await service.create_ticket(sessions, principal, data, idempotency_key)
    return stored.response()


@router.get("", response_model=Page[TicketRead])
async def list_tickets(
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    page: Annotated[PageParams, Depends(page_params)],
    query: Annotated[TicketFilter, Depends(queue_filter)],
    sort: Annotated[Sort, Depends(queue_sort)],
) -> Page[TicketRead]:
    """Queue views: filter, full-text search, sort by created / updated / priority / SLA due; cursor pages."""
    return await service.list_tickets(sessions, principal, query, sort, page.limit, page.cursor)


@router.get("/{ticket_id}", response_model=TicketRead)
async def get_ticket(ticket_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> TicketRead:
    return await service.get_ticket(sessions, principal, ticket_id)


@router.patch("/{ticket_id}", response_model=TicketRead)
async def update_ticket(
    ticket_id: uuid.UUID, data: TicketUpdate, principal: StaffPrincipal, sessions: SessionsDep
) -> TicketRead:
    return await service.update_ticket(sessions, principal, ticket_id, data)


@router.post("/{ticket_id}/tags", response_model=TicketRead)
async def add_tags(
    ticket_id: uuid.UUID, data: TagsChange, principal: StaffPrincipal, sessions: SessionsDep
) -> TicketRead:
    return await service.change_tags(sessions, principal, ticket_id, add=data.tags, remove=[])


@router.delete("/{ticket_id}/tags/{tag}", response_model=TicketRead)
async def remove_tag(
    ticket_id: uuid.UUID,
    tag: Annotated[str, Path(min_length=1, max_length=64)],
    principal: StaffPrincipal,
    sessions: SessionsDep,
) -> TicketRead:
    return await service.change_tags(sessions, principal, ticket_id, add=[], remove=[tag])


@router.post("/{ticket_id}/status", response_model=TicketRead)
async def change_status(
    ticket_id: uuid.UUID, data: StatusChange, principal: StaffPrincipal, sessions: SessionsDep, settings: Settings
) -> TicketRead:
    return await service.change_status(sessions, principal, ticket_id, data.status, settings)
