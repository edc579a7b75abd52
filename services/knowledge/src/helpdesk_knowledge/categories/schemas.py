from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from helpdesk_knowledge.text import LongText, Name


class CategoryWrite(BaseModel):
    name: Name
    description: LongText | None = None
    parent_id: uuid.UUID | None = Field(default=None, description="a top-level category (one level of nesting)")
    position: int = Field(default=0, ge=0, le=100_000)


class CategoryRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    parent_id: uuid.UUID | None
    position: int
    created_at: datetime
    updated_at: datetime
