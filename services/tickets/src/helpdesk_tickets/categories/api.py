from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import CurrentPrincipal, ManagerPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_tickets.categories import service
from helpdesk_tickets.categories.schemas import CategoryCreate, CategoryRead, CategoryUpdate
from helpdesk_tickets.context import Ctx

router = APIRouter(prefix="/v1/categories", tags=["categories"])


@router.post("", status_code=201, response_model=CategoryRead)
async def create_category(
    data: CategoryCreate, principal: ManagerPrincipal, ctx: Ctx, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    status, body = await service.create_category(ctx.sessions, principal, data, idempotency_key)
    return JSONResponse(body, status_code=status)


@router.get("", response_model=list[CategoryRead])
async def list_categories(principal: CurrentPrincipal, ctx: Ctx, include_inactive: bool = False) -> list[CategoryRead]:
    """Active categories (staff may ask for archived ones too)."""
    return await service.list_categories(ctx.sessions, principal, include_inactive)


@router.get("/{category_id}", response_model=CategoryRead)
async def get_category(category_id: uuid.UUID, principal: CurrentPrincipal, ctx: Ctx) -> CategoryRead:
    return await service.get_category(ctx.sessions, principal, category_id)


@router.patch("/{category_id}", response_model=CategoryRead)
async def update_category(
    category_id: uuid.UUID, data: CategoryUpdate, principal: ManagerPrincipal, ctx: Ctx
) -> CategoryRead:
    return await service.update_category(ctx.sessions, principal, category_id, data)


@router.delete("/{category_id}", status_code=204)
async def archive_category(category_id: uuid.UUID, principal: ManagerPrincipal, ctx: Ctx) -> Response:
    await service.archive_category(ctx.sessions, principal, category_id)
    return Response(status_code=204)
