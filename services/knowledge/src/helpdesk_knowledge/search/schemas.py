from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from helpdesk_knowledge.domain.article import ArticleStatus


class SearchHit(BaseModel):
    id: uuid.UUID
    title: str
    slug: str
    locale: str
    status: ArticleStatus
    category_id: uuid.UUID | None
    tags: list[str]
    updated_at: datetime
    published_at: datetime | None
    score: float
    snippet: str | None = Field(description="HTML: the body's matching passages, text escaped, matches in <mark>")


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]
    next_offset: int | None = None
