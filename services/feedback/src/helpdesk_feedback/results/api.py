"""HTTP route of survey results (managers; agents see their own)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from helpdesk_feedback.domain.surveys import SurveyType
from helpdesk_feedback.results import service
from helpdesk_feedback.results.schemas import ResultsRead
from helpdesk_feedback.settings import FeedbackSettings
from helpdesk_feedback.validation import NO_NUL
from helpdesk_servicekit.auth import CurrentPrincipal
from helpdesk_servicekit.deps import SessionsDep, settings_of
from helpdesk_servicekit.openapi import problems

router = APIRouter(prefix="/v1/surveys", tags=["survey results"])
Settings = Annotated[FeedbackSettings, Depends(settings_of(FeedbackSettings))]


@router.get("/results", response_model=ResultsRead, response_model_by_alias=True, responses=problems(403))
async def survey_results(
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    settings: Settings,
    survey_type: Annotated[SurveyType, Query(alias="type")],
    from_date: Annotated[date | None, Query(alias="from", description="first day (UTC), inclusive")] = None,
    to_date: Annotated[date | None, Query(alias="to", description="last day (UTC), inclusive")] = None,
    agent_id: Annotated[str | None, Query(min_length=1, max_length=200, pattern=NO_NUL)] = None,
    category_id: uuid.UUID | None = None,
) -> JSONResponse:
    read = await service.results(
        sessions, principal, survey_type, from_date, to_date, agent_id, category_id, settings.results_max_days
    )
    return JSONResponse(read.model_dump(mode="json", by_alias=True))
