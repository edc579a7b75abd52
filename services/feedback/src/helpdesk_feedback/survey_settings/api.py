"""HTTP routes of the survey settings (managers)."""

from __future__ import annotations

from fastapi import APIRouter

from helpdesk_feedback.survey_settings import service
from helpdesk_feedback.survey_settings.schemas import SurveySettingsPatch, SurveySettingsRead
from helpdesk_servicekit.auth import ManagerPrincipal
from helpdesk_servicekit.deps import SessionsDep

router = APIRouter(prefix="/v1/surveys", tags=["survey settings"])


@router.get("/settings", response_model=SurveySettingsRead)
async def get_settings(principal: ManagerPrincipal, sessions: SessionsDep) -> SurveySettingsRead:
    return await service.get_settings(sessions, principal)


@router.patch("/settings", response_model=SurveySettingsRead)
async def change_settings(
    data: SurveySettingsPatch, principal: ManagerPrincipal, sessions: SessionsDep
) -> SurveySettingsRead:
    return await service.change_settings(sessions, principal, data)
