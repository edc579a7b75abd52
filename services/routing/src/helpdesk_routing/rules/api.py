"""HTTP routes for routing rules, routing settings, the waiting queue and load reconciliation."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from helpdesk_routing.assignment.reconcile import reconcile
from helpdesk_routing.rules import service
from helpdesk_routing.rules.schemas import QueuedTicket, ReconcileResult, RoutingSettingsBody, RuleRead, RuleWrite
from helpdesk_servicekit.auth import ManagerPrincipal, StaffPrincipal
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_servicekit.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/v1/routing", tags=["routing"])
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("/rules", status_code=201, response_model=RuleRead)
async def create_rule(
    data: RuleWrite, principal: ManagerPrincipal, db: SessionsDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    return (await service.create_rule(db, principal, data, idempotency_key)).response()


@router.get("/rules", response_model=list[RuleRead])
async def list_rules(principal: ManagerPrincipal, db: SessionsDep) -> list[RuleRead]:
    return await service.list_rules(db, principal)


@router.get("/rules/{rule_id}", response_model=RuleRead)
async def get_rule(rule_id: uuid.UUID, principal: ManagerPrincipal, db: SessionsDep) -> RuleRead:
    return await service.get_rule(db, principal, rule_id)


@router.put("/rules/{rule_id}", response_model=RuleRead)
async def replace_rule(rule_id: uuid.UUID, data: RuleWrite, principal: ManagerPrincipal, db: SessionsDep) -> RuleRead:
    return await service.replace_rule(db, principal, rule_id, data)


@router.delete("/rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: uuid.UUID, principal: ManagerPrincipal, db: SessionsDep) -> Response:
    await service.delete_rule(db, principal, rule_id)
    return Response(status_code=204)


@router.get("/settings", response_model=RoutingSettingsBody)
async def get_settings(principal: ManagerPrincipal, db: SessionsDep) -> RoutingSettingsBody:
    return await service.get_settings(db, principal)


@router.put("/settings", response_model=RoutingSettingsBody)
async def put_settings(data: RoutingSettingsBody, principal: ManagerPrincipal, db: SessionsDep) -> RoutingSettingsBody:
    return await service.put_settings(db, principal, data)


@router.get("/queue", response_model=Page[QueuedTicket])
async def waiting_queue(
    principal: StaffPrincipal, db: SessionsDep, page: Paging, group_id: uuid.UUID | None = None
) -> Page[QueuedTicket]:
    return await service.waiting_queue(db, principal, group_id, page.limit, page.cursor)


@router.post("/reconcile", response_model=ReconcileResult)
async def reconcile_loads(principal: ManagerPrincipal, db: SessionsDep) -> ReconcileResult:
    checked, corrected = await reconcile(db, principal.merchant_id)
    return ReconcileResult(agents_checked=checked, agents_corrected=corrected)
