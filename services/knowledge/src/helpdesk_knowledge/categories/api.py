"""HTTP routes for KB categories."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from helpdesk_knowledge.categories import service
from helpdesk_knowledge.categories.schemas import CategoryRead, CategoryWrite
from helpdesk_servicekit.auth import CurrentPrincipal, ManagerPrincipal
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_servicekit.idempotency import IdempotencyKey, run_once
from helpdesk_servicekit.openapi import problems

router = APIRouter(prefix="/v1/kb/categories", tags=["kb categories"])


@router.post("", status_code=201, response_model=CategoryRead, responses=problems(409))
async def create_category(
    data: CategoryWrite, principal: ManagerPrincipal, sessions: SessionsDep, idempotency_key: IdempotencyKey = None
) -> Response:
    async def work(session):  # type: ignore[no-untyped-def]
        return await service.save(session, principal, uuid.uuid4(), data)

    request = ("create_category", data.model_dump(mode="json"))
    stored = await run_once(sessions, principal, idempotency_key, request, work)
    return stored.response()


@router.get("", response_model=list[CategoryRead])
async def list_categories(principal: CurrentPrincipal, sessions: SessionsDep) -> list[CategoryRead]:
    return await service.list_categories(sessions, principal)


@router.get("/{category_id}", response_model=CategoryRead)
async def get_category(category_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> CategoryRead:
    return await service.get(sessions, principal, category_id)


@router.put("/{category_id}", response_model=CategoryRead, responses=problems(409))
async def replace_category(
    category_id: uuid.UUID, data: CategoryWrite, principal: ManagerPrincipal, sessions: SessionsDep
) -> CategoryRead:
    return await service.replace(sessions, principal, category_id, data)


@router.delete("/{category_id}", status_code=204, responses=problems(409))
async def delete_category(category_id: uuid.UUID, principal: ManagerPrincipal, sessions: SessionsDep) -> Response:
    await service.delete(sessions, principal, category_id)
    return Response(status_code=204)
