"""HTTP schemas of survey results."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from helpdesk_feedback.domain.surveys import SurveyType


class Figures(BaseModel):
    responses: int
    score: float | None = Field(description="CSAT: % of 4-5; NPS: % promoters - % detractors; CES: mean. null: none")
    invited: int = Field(description="invitations sent in the period")
    answered: int = Field(description="of the invitations sent in the period, how many were answered")
    response_rate: float | None = Field(description="100 x answered / invited; null when none were sent")
    breakdown: dict[str, int]


class DayResult(Figures):
    date: date


class Summary(Figures):
    distribution: dict[str, int] = Field(description="responses per score")


class ResultsRead(BaseModel):
    survey_type: SurveyType
    formula: str
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    agent_id: str | None = None
    category_id: uuid.UUID | None = None
    summary: Summary
    days: list[DayResult]
