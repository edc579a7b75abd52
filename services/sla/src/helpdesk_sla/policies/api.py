"""HTTP routes for calendars and policies: managers write, agents and managers read. Nothing else here."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import ManagerPrincipal, StaffPrincipal
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_servicekit.pagination import Page, PageParams, page_params
from helpdesk_sla.policies import service
from helpdesk_sla.policies.schemas import CalendarRead, CalendarWrite, PolicyRead, PolicyWrite, ReplanResult

router = APIRouter(prefix="/v1/sla", tags=["sla configuration"])

Paging = Annotated[PageParams, Depends(page_params)]
Replan = Annotated[bool, Query(description="also move running clocks to the new version")]


@router.post("/calendars", status_code=201, response_model=CalendarRead)
async def create_calendar(
    data: CalendarWrite, principal: ManagerPrincipal, db: SessionsDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    status, body = await service.create_calendar(db, principal, data, idempotency_key)
    return JSONResponse(body, status_code=status)


@router.get("/calendars", response_model=Page[CalendarRead])
async def list_calendars(principal: StaffPrincipal, db: SessionsDep, page: Paging) -> Page[CalendarRead]:
    return await service.list_calendars(db, principal, page.limit, page.cursor)


@router.get("/calendars/{calendar_id}", response_model=CalendarRead)
async def get_calendar(calendar_id: uuid.UUID, principal: StaffPrincipal, db: SessionsDep) -> CalendarRead:
    return await service.get_calendar(db, principal, calendar_id)


@router.put("/calendars/{calendar_id}", response_model=CalendarRead)
async def replace_calendar(
    calendar_id: uuid.UUID, data: CalendarWrite, principal: ManagerPrincipal, db: SessionsDep, replan: Replan = False
) -> CalendarRead:
    return await service.replace_calendar(db, principal, calendar_id, data, replan=replan)


@router.post("/calendars/{calendar_id}/replan", response_model=ReplanResult)
async def replan_calendar(calendar_id: uuid.UUID, principal: ManagerPrincipal, db: SessionsDep) -> ReplanResult:
    return await service.replan_calendar(db, principal, calendar_id)


@router.post("/policies", status_code=201, response_model=PolicyRead)
async def create_policy(
    data: PolicyWrite, principal: ManagerPrincipal, db: SessionsDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    status, body = await service.create_policy(db, principal, data, idempotency_key)
    return JSONResponse(body, status_code=status)


@router.get("/policies", response_model=Page[PolicyRead])
async def list_policies(
    principal: StaffPrincipal, db: SessionsDep, page: Paging, include_inactive: bool = False
) -> Page[PolicyRead]:
    return await service.list_policies(
        db, principal, include_inactive=include_inactive, limit=page.limit, cursor=page.cursor
    )


@router.get("/policies/{policy_id}", response_model=PolicyRead)
async def get_policy(policy_id: uuid.UUID, principal: StaffPrincipal, db: SessionsDep) -> PolicyRead:
    return await service.get_policy(db, principal, policy_id)


@router.put("/policies/{policy_id}", response_model=PolicyRead)
async def replace_policy(
    policy_id: uuid.UUID, data: PolicyWrite, principal: ManagerPrincipal, db: SessionsDep, replan: Replan = False
) -> PolicyRead:
    return await service.replace_policy(db, principal, policy_id, data, replan=replan)


@router.delete("/policies/{policy_id}", status_code=204)
async def deactivate_policy(policy_id: uuid.UUID, principal: ManagerPrincipal, db: SessionsDep) -> Response:
    await service.deactivate_policy(db, principal, policy_id)
    return Response(status_code=204)


@router.get("/policies/{policy_id}/versions", response_model=list[PolicyRead])
async def list_policy_versions(policy_id: uuid.UUID, principal: StaffPrincipal, db: SessionsDep) -> list[PolicyRead]:
    return await service.list_policy_versions(db, principal, policy_id)


@router.get("/policies/{policy_id}/versions/{version}", response_model=PolicyRead)
async def get_policy_version(
    policy_id: uuid.UUID, version: Annotated[int, Path(ge=1, le=1_000_000)], principal: StaffPrincipal, db: SessionsDep
) -> PolicyRead:
    return await service.get_policy(db, principal, policy_id, version)


@router.post("/policies/{policy_id}/replan", response_model=ReplanResult)
async def replan_policy(policy_id: uuid.UUID, principal: ManagerPrincipal, db: SessionsDep) -> ReplanResult:
    return await service.replan_policy(db, principal, policy_id)
