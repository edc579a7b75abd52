"""HTTP routes for agents and groups: managers write; agents read themselves and their groups, and set their own
status. Nothing else here."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse

from helpdesk_contracts.routing import AgentStatus
from helpdesk_routing.directory import groups, service
from helpdesk_routing.directory.schemas import AgentCreate, AgentRead, AgentWrite, GroupRead, GroupWrite, StatusWrite
from helpdesk_routing.metrics import service as metrics
from helpdesk_routing.metrics.service import AgentMetrics
from helpdesk_routing.text import NO_NUL
from helpdesk_servicekit.auth import ManagerPrincipal, StaffPrincipal
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_servicekit.idempotency import IdempotencyKey
from helpdesk_servicekit.openapi import problems
from helpdesk_servicekit.pagination import Page, PageParams, page_params

router = APIRouter(tags=["agents and groups"])

AgentId = Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL)]
Paging = Annotated[PageParams, Depends(page_params)]
From = Annotated[date | None, Query(alias="from")]
To = Annotated[date | None, Query(alias="to")]


@router.post("/v1/agents", status_code=201, response_model=AgentRead, responses=problems(409))
async def create_agent(
    data: AgentCreate, principal: ManagerPrincipal, db: SessionsDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    return (await service.create_agent(db, principal, data, idempotency_key)).response()


@router.get("/v1/agents", response_model=Page[AgentRead])
async def list_agents(
    principal: StaffPrincipal,
    db: SessionsDep,
    page: Paging,
    group_id: uuid.UUID | None = None,
    status: AgentStatus | None = None,
) -> Page[AgentRead]:
    return await service.list_agents(
        db, principal, limit=page.limit, cursor=page.cursor, group_id=group_id, status=status
    )


@router.get("/v1/agents/me", response_model=AgentRead, responses=problems(404))
async def my_agent(principal: StaffPrincipal, db: SessionsDep) -> AgentRead:
    return await service.get_agent(db, principal, principal.user_id)


@router.put("/v1/agents/me/status", response_model=AgentRead, responses=problems(404, 409))
async def set_my_status(data: StatusWrite, principal: StaffPrincipal, db: SessionsDep) -> AgentRead:
    return await service.set_status(db, principal, principal.user_id, data.status)


@router.get("/v1/agents/metrics", response_model=Page[AgentMetrics])
async def team_metrics(
    principal: StaffPrincipal, db: SessionsDep, page: Paging, from_: From = None, to: To = None
) -> Page[AgentMetrics]:
    return await metrics.team_metrics(db, principal, from_, to, page.limit, page.cursor)


@router.get("/v1/agents/{agent_id}", response_model=AgentRead)
async def get_agent(agent_id: AgentId, principal: StaffPrincipal, db: SessionsDep) -> AgentRead:
    return await service.get_agent(db, principal, agent_id)


@router.put("/v1/agents/{agent_id}", response_model=AgentRead)
async def replace_agent(agent_id: AgentId, data: AgentWrite, principal: ManagerPrincipal, db: SessionsDep) -> AgentRead:
    return await service.replace_agent(db, principal, agent_id, data)


@router.delete("/v1/agents/{agent_id}", status_code=204)
async def deactivate_agent(agent_id: AgentId, principal: ManagerPrincipal, db: SessionsDep) -> Response:
    await service.deactivate_agent(db, principal, agent_id)
    return Response(status_code=204)


@router.put("/v1/agents/{agent_id}/status", response_model=AgentRead, responses=problems(409))
async def set_status(agent_id: AgentId, data: StatusWrite, principal: StaffPrincipal, db: SessionsDep) -> AgentRead:
    service.require_self_or_manager(principal, agent_id)
    return await service.set_status(db, principal, agent_id, data.status)


@router.get("/v1/agents/{agent_id}/metrics", response_model=AgentMetrics)
async def agent_metrics(
    agent_id: AgentId, principal: StaffPrincipal, db: SessionsDep, from_: From = None, to: To = None
) -> AgentMetrics:
    return await metrics.agent_metrics(db, principal, agent_id, from_, to)


@router.post("/v1/groups", status_code=201, response_model=GroupRead, responses=problems(409))
async def create_group(
    data: GroupWrite, principal: ManagerPrincipal, db: SessionsDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    return (await groups.create_group(db, principal, data, idempotency_key)).response()


@router.get("/v1/groups", response_model=Page[GroupRead])
async def list_groups(principal: StaffPrincipal, db: SessionsDep, page: Paging) -> Page[GroupRead]:
    return await groups.list_groups(db, principal, page.limit, page.cursor)


@router.get("/v1/groups/{group_id}", response_model=GroupRead)
async def get_group(group_id: uuid.UUID, principal: StaffPrincipal, db: SessionsDep) -> GroupRead:
    return await groups.get_group(db, principal, group_id)


@router.put("/v1/groups/{group_id}", response_model=GroupRead, responses=problems(409))
async def replace_group(
    group_id: uuid.UUID, data: GroupWrite, principal: ManagerPrincipal, db: SessionsDep
) -> GroupRead:
    return await groups.replace_group(db, principal, group_id, data)


@router.delete("/v1/groups/{group_id}", status_code=204, responses=problems(409))
async def deactivate_group(group_id: uuid.UUID, principal: ManagerPrincipal, db: SessionsDep) -> Response:
    await groups.deactivate_group(db, principal, group_id)
    return Response(status_code=204)
