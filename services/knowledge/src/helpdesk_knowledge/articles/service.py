"""Article use cases: one unit of work each; the aggregate decides, the repository stores, events go to the outbox."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_contracts import Role, normalize_tag, normalize_tags
from helpdesk_knowledge.articles import repository
from helpdesk_knowledge.articles.schemas import (
    ArticleFilters,
    ArticleRead,
    ArticleSummary,
    ArticleUpdate,
    ArticleWrite,
    VersionRead,
)
from helpdesk_knowledge.domain.article import (
    Article,
    ArticleContent,
    ArticleStatus,
    StaleVersion,
    TransitionNotAllowed,
    slugify,
)
from helpdesk_knowledge.domain.locales import normalize_locale
from helpdesk_knowledge.domain.rendering import Rendered, render
from helpdesk_knowledge.feedback import repository as counters
from helpdesk_servicekit import outbox
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.errors import Conflict, InvalidTransition, NotFound, Unprocessable
from helpdesk_servicekit.pagination import Page, decode_cursor, encode_cursor

Sessions = async_sessionmaker[AsyncSession]
events = outbox.Producer("knowledge")
DEFAULT_LOCALE = "en"


def locale_or_422(value: str, field: str) -> str:
    locale = normalize_locale(value)
    if locale is None:
        message = f"{value!r} is not a language tag such as en or de-AT"
        raise Unprocessable(message, errors=[{"field": field, "message": message}])
    return locale


def content_of(data: ArticleWrite, principal: Principal, article_id: uuid.UUID) -> ArticleContent:
    locale = locale_or_422(data.locale, "body.locale") if data.locale else None
    locale = locale or normalize_locale(principal.locale or "") or DEFAULT_LOCALE
    slug = data.slug or slugify(data.title) or f"article-{article_id.hex[:12]}"
    return ArticleContent(
        title=data.title,
        slug=slug,
        locale=locale,
        body_markdown=data.body,
        category_id=data.category_id,
        tags=tuple(normalize_tags(data.tags)),
    )


async def rendering_of(content: ArticleContent) -> Rendered:
    """Markdown to safe HTML in a worker thread: a long body takes long enough to stall other requests."""
    return await asyncio.to_thread(render, content.body_markdown)


def summary_fields(row: Row[Any]) -> dict[str, Any]:
    fields = dict(row._mapping)
    votes = fields["helpful_count"] + fields["not_helpful_count"]
    fields["helpfulness"] = round(fields["helpful_count"] / votes, 4) if votes else None
    return fields


async def _stored(session: AsyncSession, article: Article, user_id: str, *, new: bool, restored: int | None = None):
    try:
        if new:
            await repository.insert(session, article, user_id)
        else:
            await repository.save(session, article, user_id, restored)
    except repository.SlugTaken:
        message = f"slug {article.content.slug!r} is taken in locale {article.content.locale}"
        raise Conflict(message, errors=[{"field": "body.slug", "message": message}]) from None
    except repository.UnknownCategory:
        message = f"category {article.content.category_id} not found"
        raise Unprocessable(message, errors=[{"field": "body.category_id", "message": message}]) from None
    staged = [events.prepare(e, merchant_id=article.merchant_id, ordering_key=str(article.id)) for e in article.events]
    await events.stage_many(session, staged)


async def _read(session: AsyncSession, principal: Principal, article_id: uuid.UUID) -> ArticleRead:
    row = await repository.read(session, principal.merchant_id, article_id, published_only=not principal.is_staff)
    if row is None:
        raise NotFound(f"article {article_id} not found")
    return ArticleRead.model_validate(summary_fields(row))


async def create(session: AsyncSession, principal: Principal, data: ArticleWrite) -> ArticleRead:
    """A new draft, version 1."""
    article_id = uuid.uuid4()
    content = content_of(data, principal, article_id)
    rendered = await rendering_of(content)
    article = Article.draft(article_id, principal.merchant_id, content, rendered, principal.user_id, utcnow())
    await _stored(session, article, principal.user_id, new=True)
    return await _read(session, principal, article_id)


async def _locked(session: AsyncSession, principal: Principal, article_id: uuid.UUID) -> Article:
    article = await repository.load(session, principal.merchant_id, article_id, lock=True)
    if article is None:
        raise NotFound(f"article {article_id} not found")
    return article


async def update(sessions: Sessions, principal: Principal, article_id: uuid.UUID, data: ArticleUpdate) -> ArticleRead:
    """Save new content as the next version (a published article stays published and is announced again)."""
    async with unit_of_work(sessions) as session:
        article = await _locked(session, principal, article_id)
        content = content_of(data, principal, article_id)
        # A PUT replaces the content; the slug and locale it leaves out stay what they were.
        content = replace(
            content,
            slug=content.slug if data.slug else article.content.slug,
            locale=content.locale if data.locale else article.content.locale,
        )
        try:
            article.revise(content, await rendering_of(content), utcnow(), data.expected_version)
        except StaleVersion as exc:
            raise Conflict(str(exc), current_version=exc.current) from None
        await _stored(session, article, principal.user_id, new=False)
        read = await _read(session, principal, article_id)
        await session.commit()
    return read


async def change_status(
    sessions: Sessions, principal: Principal, article_id: uuid.UUID, target: ArticleStatus
) -> ArticleRead:
    async with unit_of_work(sessions) as session:
        article = await _locked(session, principal, article_id)
        if article.status is not target:
            try:
                article.move_to(target, utcnow())
            except TransitionNotAllowed as exc:
                raise InvalidTransition(str(exc), allowed=[s.value for s in exc.allowed]) from None
            await _stored(session, article, principal.user_id, new=False)
        read = await _read(session, principal, article_id)
        await session.commit()
    return read


async def restore(sessions: Sessions, principal: Principal, article_id: uuid.UUID, number: int) -> ArticleRead:
    """The chosen version's content saved again as the newest version, as a draft."""
    async with unit_of_work(sessions) as session:
        article = await _locked(session, principal, article_id)
        old = await repository.version(session, principal.merchant_id, article_id, number)
        if old is None:
            raise NotFound(f"version {number} of article {article_id} not found")
        content = ArticleContent(old.title, old.slug, old.locale, old.body_markdown, old.category_id, tuple(old.tags))
        article.restore(content, await rendering_of(content), utcnow())
        await _stored(session, article, principal.user_id, new=False, restored=number)
        read = await _read(session, principal, article_id)
        await session.commit()
    return read


async def get(sessions: Sessions, principal: Principal, article_id: uuid.UUID) -> ArticleRead:
    """One article; customers see published ones only, and their reading counts as a view (once a day)."""
    async with unit_of_work(sessions) as session:
        read = await _read(session, principal, article_id)
        if principal.role is Role.CUSTOMER:
            if await counters.record_view(session, principal.merchant_id, article_id, principal.user_id, utcnow()):
                read.view_count += 1
            await session.commit()
    return read


async def list_articles(
    sessions: Sessions, principal: Principal, filters: ArticleFilters, limit: int, cursor: str | None
) -> Page[ArticleSummary]:
    after: tuple[datetime, uuid.UUID] | None = None
    if cursor:
        values = decode_cursor(cursor)
        try:
            after = (datetime.fromisoformat(values[0]).astimezone(UTC), uuid.UUID(values[1]))
        except (ValueError, IndexError, TypeError, AttributeError, OverflowError):
            message = "cursor is not valid"
            raise Unprocessable(message, errors=[{"field": "query.cursor", "message": message}]) from None
    if principal.is_staff:
        statuses = [filters.status.value] if filters.status else None
    else:
        if filters.status not in (None, ArticleStatus.PUBLISHED):
            return Page(items=[])
        statuses = [ArticleStatus.PUBLISHED.value]
    locale = locale_or_422(filters.locale, "query.locale") if filters.locale else None
    async with unit_of_work(sessions) as session:
        rows = await repository.list_page(
            session,
            principal.merchant_id,
            statuses=statuses,
            category_id=filters.category_id,
            tag=normalize_tag(filters.tag) if filters.tag is not None else None,
            locale=locale,
            after=after,
            limit=limit + 1,
        )
    items = [ArticleSummary.model_validate(summary_fields(row)) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].created_at.isoformat(), str(items[-1].id)) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


async def list_versions(sessions: Sessions, principal: Principal, article_id: uuid.UUID) -> list[VersionRead]:
    async with unit_of_work(sessions) as session:
        rows = await repository.versions(session, principal.merchant_id, article_id)
    if not rows:
        raise NotFound(f"article {article_id} not found")
    return [VersionRead.model_validate(dict(row._mapping)) for row in rows]


async def get_version(sessions: Sessions, principal: Principal, article_id: uuid.UUID, number: int) -> VersionRead:
    async with unit_of_work(sessions) as session:
        row = await repository.version(session, principal.merchant_id, article_id, number)
    if row is None:
        raise NotFound(f"version {number} of article {article_id} not found")
    return VersionRead.model_validate(dict(row._mapping))
