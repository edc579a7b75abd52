"""HTTP routes of feature requests: everyone submits, lists and votes; managers set status and merge."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from helpdesk_feedback.domain.feature_requests import Status
from helpdesk_feedback.feature_requests import service
from helpdesk_feedback.feature_requests.schemas import (
    FeatureRequestCreate,
    FeatureRequestRead,
    MergeRead,
    MergeWrite,
    Sort,
    StatusWrite,
    TicketLinkRead,
    TicketLinkWrite,
)
from helpdesk_feedback.settings import FeedbackSettings
from helpdesk_servicekit.auth import CurrentPrincipal, ManagerPrincipal, StaffPrincipal
from helpdesk_servicekit.deps import SessionsDep, settings_of
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_servicekit.openapi import problems
from helpdesk_servicekit.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/v1/feature-requests", tags=["feature requests"])
Settings = Annotated[FeedbackSettings, Depends(settings_of(FeedbackSettings))]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("", status_code=201, response_model=FeatureRequestRead, responses=problems(403))
async def submit(
    data: FeatureRequestCreate,
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    status, body = await service.submit(sessions, principal, data, idempotency_key)
    return JSONResponse(body, status_code=status)


@router.get("", response_model=Page[FeatureRequestRead])
async def list_requests(
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    page: Paging,
    sort: Sort = "votes",
    status: Status | None = None,
    include_merged: Annotated[bool, Query(description="also list duplicates merged into another")] = False,
) -> Page[FeatureRequestRead]:
    return await service.list_requests(
        sessions,
        principal,
        sort=sort,
        status=status,
        include_merged=include_merged,
        limit=page.limit,
        cursor=page.cursor,
    )


@router.get("/{request_id}", response_model=FeatureRequestRead)
async def get_request(request_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> FeatureRequestRead:
    return await service.get(sessions, principal, request_id)


FROZEN: dict[int | str, dict[str, Any]] = {409: {"description": "votes are frozen (done, declined or merged)"}}


@router.post("/{request_id}/votes", response_model=FeatureRequestRead, responses=FROZEN)
async def vote(request_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> FeatureRequestRead:
    return await service.vote(sessions, principal, request_id)


@router.delete("/{request_id}/votes", response_model=FeatureRequestRead, responses=FROZEN)
async def unvote(request_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> FeatureRequestRead:
    return await service.unvote(sessions, principal, request_id)


@router.post("/{request_id}/status", response_model=FeatureRequestRead, responses=problems(409))
async def change_status(
    request_id: uuid.UUID, data: StatusWrite, principal: ManagerPrincipal, sessions: SessionsDep, settings: Settings
) -> FeatureRequestRead:
    return await service.change_status(sessions, principal, request_id, data.status, settings.voter_ids_max)


@router.post("/{request_id}/merge", response_model=MergeRead, responses=problems(409))
async def merge(
    request_id: uuid.UUID, data: MergeWrite, principal: ManagerPrincipal, sessions: SessionsDep, settings: Settings
) -> MergeRead:
    return await service.merge(sessions, principal, request_id, data.into_id, settings.voter_ids_max)


@router.post("/{request_id}/tickets", response_model=FeatureRequestRead, responses=problems(409))
async def link_ticket(
    request_id: uuid.UUID, data: TicketLinkWrite, principal: StaffPrincipal, sessions: SessionsDep
) -> FeatureRequestRead:
    return await service.link_ticket(sessions, principal, request_id, data.ticket_id)


@router.get("/{request_id}/tickets", response_model=list[TicketLinkRead])
async def linked_tickets(
    request_id: uuid.UUID, principal: StaffPrincipal, sessions: SessionsDep
) -> list[TicketLinkRead]:
    return await service.linked_tickets(sessions, principal, request_id)


@router.delete("/{request_id}/tickets/{ticket_id}", status_code=204)
async def unlink_ticket(
    request_id: uuid.UUID, ticket_id: uuid.UUID, principal: StaffPrincipal, sessions: SessionsDep
) -> Response:
    await service.unlink_ticket(sessions, principal, request_id, ticket_id)
    return Response(status_code=204)
