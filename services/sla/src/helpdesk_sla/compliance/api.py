"""HTTP route for the compliance report (agents and managers)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_contracts import Priority
from helpdesk_servicekit.auth import StaffPrincipal
from helpdesk_sla.compliance import service
from helpdesk_sla.compliance.schemas import ComplianceReport

router = APIRouter(prefix="/v1/sla", tags=["sla compliance"])


async def sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.sessions


Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(sessions)]


@router.get("/compliance", response_model=ComplianceReport, response_model_by_alias=True)
async def compliance(
    principal: StaffPrincipal,
    db: Sessions,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
) -> ComplianceReport:
    return await service.report(db, principal, start, end, priority)
