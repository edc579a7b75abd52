"""The article aggregate: its states, its versions and the events it records. Pure: `now` is passed in.

States: draft → published → archived, archived → draft, published → draft (unpublish) and draft → archived.
Every save of the content is a new version, stored with its rendering (`rendering.render` of its Markdown, which
the service runs off the event loop: a long body takes a while). Restoring an old version saves its content again
as a new version and puts the article back to draft (customers stop seeing it until it is published again).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from helpdesk_contracts import Payload
from helpdesk_contracts.knowledge import ArticleArchived, ArticlePublished
from helpdesk_knowledge.domain.locales import language_of
from helpdesk_knowledge.domain.rendering import Rendered


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


TRANSITIONS: dict[ArticleStatus, frozenset[ArticleStatus]] = {
    ArticleStatus.DRAFT: frozenset({ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED}),
    ArticleStatus.PUBLISHED: frozenset({ArticleStatus.ARCHIVED, ArticleStatus.DRAFT}),
    ArticleStatus.ARCHIVED: frozenset({ArticleStatus.DRAFT}),
}

SLUG_MAX = 120


class TransitionNotAllowed(Exception):
    def __init__(self, current: ArticleStatus, target: ArticleStatus) -> None:
        self.current, self.target = current, target
        self.allowed = sorted(TRANSITIONS[current])
        super().__init__(f"an article in {current} cannot move to {target}")


class StaleVersion(Exception):
    def __init__(self, expected: int, current: int) -> None:
        self.expected, self.current = expected, current
        super().__init__(f"the article is at version {current}, not {expected}")


def slugify(title: str) -> str:
    """A URL slug from a title: ASCII letters and digits joined by dashes."""
    ascii_title = unicodedata.normalize("NFKD", title.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:SLUG_MAX].rstrip("-")


@dataclass(frozen=True)
class ArticleContent:
    """What a version holds."""

    title: str
    slug: str
    locale: str
    body_markdown: str
    category_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()

    @property
    def language(self) -> str:
        return language_of(self.locale)


@dataclass
class Article:
    id: uuid.UUID
    merchant_id: str
    status: ArticleStatus
    version: int
    content: ArticleContent
    author_id: str
    body_html: str = ""
    body_text: str = ""
    published_at: datetime | None = None
    archived_at: datetime | None = None
    updated_at: datetime | None = None
    events: list[Payload] = field(default_factory=list)
    content_changed: bool = False

    @classmethod
    def draft(
        cls,
        article_id: uuid.UUID,
        merchant_id: str,
        content: ArticleContent,
        rendered: Rendered,
        author_id: str,
        now: datetime,
    ) -> Article:
        article = cls(article_id, merchant_id, ArticleStatus.DRAFT, 0, content, author_id)
        article._save(content, rendered, now)
        return article

    def revise(
        self, content: ArticleContent, rendered: Rendered, now: datetime, expected_version: int | None = None
    ) -> None:
        """Save new content as the next version; a published article announces its new version."""
        if expected_version is not None and expected_version != self.version:
            raise StaleVersion(expected_version, self.version)
        self._save(content, rendered, now)
        if self.status is ArticleStatus.PUBLISHED:
            self.events.append(self._event(ArticlePublished))

    def restore(self, content: ArticleContent, rendered: Rendered, now: datetime) -> None:
        """Save an old version's content as the next version, as a draft."""
        self._save(content, rendered, now)
        if self.status is not ArticleStatus.DRAFT:
            self.status = ArticleStatus.DRAFT

    def move_to(self, target: ArticleStatus, now: datetime) -> None:
        if target not in TRANSITIONS[self.status]:
            raise TransitionNotAllowed(self.status, target)
        self.status, self.updated_at = target, now
        if target is ArticleStatus.PUBLISHED:
            self.published_at, self.archived_at = now, None
            self.events.append(self._event(ArticlePublished))
        elif target is ArticleStatus.ARCHIVED:
            self.archived_at = now
            self.events.append(self._event(ArticleArchived))

    def _save(self, content: ArticleContent, rendered: Rendered, now: datetime) -> None:
        self.content, self.body_html, self.body_text = content, rendered.html, rendered.text
        self.version += 1
        self.updated_at = now
        self.content_changed = True

    def _event(self, kind: type[ArticlePublished] | type[ArticleArchived]) -> Payload:
        c = self.content
        return kind(
            article_id=self.id,
            slug=c.slug,
            title=c.title,
            locale=c.locale,
            category_id=c.category_id,
            tags=list(c.tags),
            version=self.version,
        )


def with_slug(content: ArticleContent, slug: str) -> ArticleContent:
    return replace(content, slug=slug)
