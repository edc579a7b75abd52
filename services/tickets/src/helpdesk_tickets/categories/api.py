from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from helpdesk_servicekit.auth import CurrentPrincipal, ManagerPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey, run_once
from helpdesk_servicekit.openapi import problems
from helpdesk_tickets.categories import service
from helpdesk_tickets.categories.schemas import CategoryCreate, CategoryRead, CategoryUpdate
from helpdesk_tickets.deps import SessionsDep

router = APIRouter(prefix="/v1/categories", tags=["categories"])


@router.post("", status_code=201, response_model=CategoryRead, responses=problems(409))
async def create_category(
    data: CategoryCreate, principal: ManagerPrincipal, sessions: SessionsDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    stored = await run_once(
        sessions,
        principal,
        idempotency_key,
        ("create_category", data.model_dump(mode="json")),
        lambda session: service.create_category(session, principal, data),
    )
    return stored.response()


@router.get("", response_model=list[CategoryRead])
async def list_categories(
    principal: CurrentPrincipal, sessions: SessionsDep, include_inactive: bool = False
) -> list[CategoryRead]:
    """Active categories (staff may ask for archived ones too)."""
    return await service.list_categories(sessions, principal, include_inactive)


@router.get("/{category_id}", response_model=CategoryRead)
async def get_category(category_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> CategoryRead:
    return await service.get_category(sessions, principal, category_id)


@router.patch("/{category_id}", response_model=CategoryRead, responses=problems(409))
async def update_category(
    category_id: uuid.UUID, data: CategoryUpdate, principal: ManagerPrincipal, sessions: SessionsDep
) -> CategoryRead:
    return await service.update_category(sessions, principal, category_id, data)


@router.delete("/{category_id}", status_code=204)
async def archive_category(category_id: uuid.UUID, principal: ManagerPrincipal, sessions: SessionsDep) -> Response:
    await service.archive_category(sessions, principal, category_id)
    return Response(status_code=204)
