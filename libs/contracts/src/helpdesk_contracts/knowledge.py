"""Payloads of the events the knowledge service produces."""

from __future__ import annotations

import uuid

from pydantic import Field

from helpdesk_contracts.envelope import Payload


class ArticleEvent(Payload):
    article_id: uuid.UUID
    slug: str
    title: str
    locale: str
    category_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list)
    version: int


class ArticlePublished(ArticleEvent):
    event_type = "article.published"


class ArticleArchived(ArticleEvent):
    event_type = "article.archived"


class SuggestedArticle(Payload):
    article_id: uuid.UUID
    title: str
    slug: str
    score: float


class KnowledgeArticlesSuggested(Payload):
    """The top published articles for a new ticket (its merchant and locale), best first; may be empty."""

    event_type = "knowledge.articles_suggested"

    ticket_id: uuid.UUID
    suggestion_id: uuid.UUID
    customer_id: str | None = None
    articles: list[SuggestedArticle] = Field(default_factory=list)


EVENTS: tuple[type[Payload], ...] = (ArticlePublished, ArticleArchived, KnowledgeArticlesSuggested)
