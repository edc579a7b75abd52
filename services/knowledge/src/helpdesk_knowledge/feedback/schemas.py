from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from helpdesk_knowledge.text import LongText


class FeedbackWrite(BaseModel):
    helpful: bool
    comment: LongText | None = Field(default=None, description="optional; seen by agents and managers only")


class FeedbackResult(BaseModel):
    article_id: uuid.UUID
    helpful: bool
    comment: str | None
    helpful_count: int
    not_helpful_count: int
    helpfulness: float | None


class FeedbackEntry(BaseModel):
    user_id: str
    helpful: bool
    comment: str | None
    updated_at: datetime
