"""HTTP route for the compliance report (agents and managers)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from helpdesk_contracts import Priority
from helpdesk_servicekit.auth import StaffPrincipal
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_sla.compliance import service
from helpdesk_sla.compliance.schemas import ComplianceReport

router = APIRouter(prefix="/v1/sla", tags=["sla compliance"])



@router.get("/compliance", response_model=ComplianceReport, response_model_by_alias=True)
async def compliance(
    principal: StaffPrincipal,
    db: SessionsDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
) -> ComplianceReport:
    return await service.report(db, principal, start, end, priority)
