"""Payloads of the events the feedback service produces: survey invitations and answers, feature requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from helpdesk_contracts.envelope import Payload

SurveyType = Literal["csat", "nps", "ces"]
FeatureRequestStatus = Literal["open", "under_review", "planned", "in_progress", "done", "declined"]


class SurveyInvited(Payload):
    """An invitation is due: notify emails the customer a link carrying `token` (the only way to answer)."""

    event_type = "survey.invited"

    invitation_id: uuid.UUID
    ticket_id: uuid.UUID
    ticket_number: int | None = None
    survey_type: SurveyType
    customer_id: str
    customer_email: str | None = None
    customer_name: str | None = None
    locale: str | None = None
    question: str
    token: str
    expires_at: datetime


class SurveyResponded(Payload):
    event_type = "survey.responded"

    invitation_id: uuid.UUID
    ticket_id: uuid.UUID
    survey_type: SurveyType
    score: int
    agent_id: str | None = None
    category_id: uuid.UUID | None = None
    responded_at: datetime


class SurveyCancelled(Payload):
    """A pending invitation will never be sent (the ticket was reopened before the delay)."""

    event_type = "survey.cancelled"

    invitation_id: uuid.UUID
    ticket_id: uuid.UUID
    survey_type: SurveyType
    reason: str


class FeatureRequestStatusChanged(Payload):
    event_type = "feature_request.status_changed"

    feature_request_id: uuid.UUID
    title: str
    from_status: FeatureRequestStatus
    status: FeatureRequestStatus
    voter_ids: list[str] = Field(default_factory=list)
    merged_into_id: uuid.UUID | None = None


EVENTS: tuple[type[Payload], ...] = (SurveyInvited, SurveyResponded, SurveyCancelled, FeatureRequestStatusChanged)
