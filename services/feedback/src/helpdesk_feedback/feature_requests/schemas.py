"""HTTP schemas of feature requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_feedback.domain.feature_requests import Status
from helpdesk_feedback.validation import LongText, Title

Sort = Literal["votes", "newest", "status"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeatureRequestCreate(Strict):
    title: Title
    description: LongText = ""
    ticket_id: uuid.UUID | None = Field(default=None, description="staff: the ticket that asked for it")


class StatusWrite(Strict):
    status: Status


class MergeWrite(Strict):
    into_id: uuid.UUID = Field(description="the original request this duplicate merges into")


class TicketLinkWrite(Strict):
    ticket_id: uuid.UUID


class FeatureRequestRead(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    status: Status
    author_id: str
    author_role: str
    vote_count: int
    ticket_count: int = Field(description="tickets linked to this request")
    merged_into_id: uuid.UUID | None = None
    voted: bool = Field(default=False, description="whether the caller has voted for it")
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime | None = None


class MergeRead(BaseModel):
    duplicate: FeatureRequestRead
    original: FeatureRequestRead


class TicketLinkRead(BaseModel):
    ticket_id: uuid.UUID
    linked_by: str
    created_at: datetime
