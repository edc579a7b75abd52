"""Article request and response models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from helpdesk_knowledge.domain.article import ArticleStatus
from helpdesk_knowledge.text import Locale, Markdown, Slug, Tag, Title


class ArticleWrite(BaseModel):
    """The content of an article; every save stores it as a new version."""

    title: Title
    body: Markdown = Field(description="Markdown; raw HTML is shown as text, links only http(s)/mailto/relative")
    slug: Slug | None = Field(default=None, description="unique per merchant and locale; from the title when absent")
    locale: Locale | None = Field(default=None, description="BCP 47; the caller's locale claim, else `en`")
    category_id: uuid.UUID | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class ArticleUpdate(ArticleWrite):
    expected_version: int | None = Field(
        default=None, ge=1, le=10_000_000, description="409 when the article is no longer at this version"
    )


class StatusChange(BaseModel):
    status: ArticleStatus


class ArticleSummary(BaseModel):
    id: uuid.UUID
    title: str
    slug: str
    locale: str
    status: ArticleStatus
    version: int
    category_id: uuid.UUID | None
    tags: list[str]
    author_id: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    archived_at: datetime | None
    helpful_count: int = 0
    not_helpful_count: int = 0
    helpfulness: float | None = Field(default=None, description="helpful / all votes; null without votes")
    view_count: int = 0


class ArticleRead(ArticleSummary):
    body_markdown: str
    body_html: str


class VersionRead(BaseModel):
    article_id: uuid.UUID
    version: int
    title: str
    slug: str
    locale: str
    body_markdown: str
    body_html: str
    category_id: uuid.UUID | None
    tags: list[str]
    restored_from: int | None
    created_by: str
    created_at: datetime


class ArticleFilters(BaseModel):
    status: ArticleStatus | None = None
    category_id: uuid.UUID | None = None
    tag: str | None = None
    locale: str | None = None


