"""HTTP schemas of the survey settings: one block per survey type (CSAT, NPS, CES)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_feedback.domain.surveys import Trigger
from helpdesk_feedback.validation import Question

MAX_DELAY = 30 * 86_400
MAX_EXPIRY = 365 * 86_400


class SurveyTypePatch(BaseModel):
    """Fields left out keep their current value (or the default, the first time)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    trigger: Trigger | None = Field(default=None, description="send after the ticket is resolved, or once closed")
    delay_seconds: int | None = Field(default=None, ge=0, le=MAX_DELAY, description="wait after the trigger")
    expiry_seconds: int | None = Field(default=None, ge=1, le=MAX_EXPIRY, description="the link works this long")
    question: Question | None = None
    include_auto_closed: bool | None = Field(
        default=None, description="also survey tickets the system closed or resolved by itself (auto-close)"
    )


class SurveySettingsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csat: SurveyTypePatch | None = None
    nps: SurveyTypePatch | None = None
    ces: SurveyTypePatch | None = None


class SurveyTypeRead(BaseModel):
    enabled: bool
    trigger: Trigger
    delay_seconds: int
    expiry_seconds: int
    question: str
    include_auto_closed: bool
    scale_min: int
    scale_max: int
    updated_at: datetime | None = None


class SurveySettingsRead(BaseModel):
    csat: SurveyTypeRead
    nps: SurveyTypeRead
    ces: SurveyTypeRead
