"""HTTP schemas of answering a survey by its link token, and of a ticket's invitations (staff)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_feedback.domain.surveys import SurveyType
from helpdesk_feedback.validation import Comment


class SurveyView(BaseModel):
    """What the answer page shows; reading it records nothing."""

    survey_type: SurveyType
    question: str
    scale_min: int
    scale_max: int
    ticket_number: int | None = None
    expires_at: datetime
    status: Literal["open", "answered"]
    proposed_score: int | None = Field(
        default=None, description="the score a one-click email link carried, for the page to confirm (not recorded)"
    )
    score: int | None = None
    responded_at: datetime | None = None


class ResponseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=0, le=10, description="CSAT 1-5, NPS 0-10, CES 1-7")
    comment: Comment | None = None


class ResponseRead(BaseModel):
    invitation_id: uuid.UUID
    survey_type: SurveyType
    score: int
    comment: str | None = None
    responded_at: datetime


class InvitationRead(BaseModel):
    id: uuid.UUID
    ticket_id: uuid.UUID
    episode: int = Field(description="the ticket_version of the resolution this invitation belongs to")
    survey_type: SurveyType
    status: Literal["scheduled", "sent", "answered", "cancelled"]
    due_at: datetime
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    responded_at: datetime | None = None
    agent_id: str | None = None
    category_id: uuid.UUID | None = None
    cancelled_reason: str | None = None
    created_at: datetime
