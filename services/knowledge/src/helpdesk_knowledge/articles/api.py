"""HTTP routes for articles and their versions: staff write, everyone of the merchant reads (customers: published)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from helpdesk_knowledge.articles import service
from helpdesk_knowledge.articles.schemas import (
    ArticleFilters,
    ArticleRead,
    ArticleSummary,
    ArticleUpdate,
    ArticleWrite,
    StatusChange,
    VersionRead,
)
from helpdesk_knowledge.domain.article import ArticleStatus
from helpdesk_knowledge.text import Locale, Tag
from helpdesk_servicekit.auth import CurrentPrincipal, StaffPrincipal
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_servicekit.idempotency import IdempotencyKey, run_once
from helpdesk_servicekit.openapi import problems
from helpdesk_servicekit.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/v1/articles", tags=["articles"])
Paging = Annotated[PageParams, Depends(page_params)]
VersionNumber = Annotated[int, Path(ge=1, le=10_000_000)]


async def article_filters(
    status: ArticleStatus | None = None,
    category: Annotated[uuid.UUID | None, Query(description="this category and its subcategories")] = None,
    tag: Annotated[Tag | None, Query()] = None,
    locale: Annotated[Locale | None, Query(description="`de` matches every German locale, `de-AT` only that")] = None,
) -> ArticleFilters:
    return ArticleFilters(status=status, category_id=category, tag=tag, locale=locale)


Filters = Annotated[ArticleFilters, Depends(article_filters)]


@router.post("", status_code=201, response_model=ArticleRead, responses=problems(409))
async def create_article(
    data: ArticleWrite, principal: StaffPrincipal, sessions: SessionsDep, idempotency_key: IdempotencyKey = None
) -> Response:
    async def work(session):  # type: ignore[no-untyped-def]
        return await service.create(session, principal, data)

    request = ("create_article", data.model_dump(mode="json"))
    stored = await run_once(sessions, principal, idempotency_key, request, work)
    return stored.response()


@router.get("", response_model=Page[ArticleSummary])
async def list_articles(
    principal: CurrentPrincipal, sessions: SessionsDep, page: Paging, filters: Filters
) -> Page[ArticleSummary]:
    return await service.list_articles(sessions, principal, filters, page.limit, page.cursor)


@router.get("/{article_id}", response_model=ArticleRead)
async def get_article(article_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep) -> ArticleRead:
    return await service.get(sessions, principal, article_id)


@router.put("/{article_id}", response_model=ArticleRead, responses=problems(409))
async def update_article(
    article_id: uuid.UUID, data: ArticleUpdate, principal: StaffPrincipal, sessions: SessionsDep
) -> ArticleRead:
    return await service.update(sessions, principal, article_id, data)


@router.post("/{article_id}/status", response_model=ArticleRead, responses=problems(409))
async def change_status(
    article_id: uuid.UUID, data: StatusChange, principal: StaffPrincipal, sessions: SessionsDep
) -> ArticleRead:
    return await service.change_status(sessions, principal, article_id, data.status)


@router.post("/{article_id}/publish", response_model=ArticleRead, responses=problems(409))
async def publish(article_id: uuid.UUID, principal: StaffPrincipal, sessions: SessionsDep) -> ArticleRead:
    return await service.change_status(sessions, principal, article_id, ArticleStatus.PUBLISHED)


@router.post("/{article_id}/archive", response_model=ArticleRead)
async def archive(article_id: uuid.UUID, principal: StaffPrincipal, sessions: SessionsDep) -> ArticleRead:
    return await service.change_status(sessions, principal, article_id, ArticleStatus.ARCHIVED)


@router.get("/{article_id}/versions", response_model=list[VersionRead])
async def list_versions(article_id: uuid.UUID, principal: StaffPrincipal, sessions: SessionsDep) -> list[VersionRead]:
    return await service.list_versions(sessions, principal, article_id)


@router.get("/{article_id}/versions/{version}", response_model=VersionRead)
async def get_version(
    article_id: uuid.UUID, version: VersionNumber, principal: StaffPrincipal, sessions: SessionsDep
) -> VersionRead:
    return await service.get_version(sessions, principal, article_id, version)


@router.post("/{article_id}/versions/{version}/restore", response_model=ArticleRead)
async def restore_version(
    article_id: uuid.UUID, version: VersionNumber, principal: StaffPrincipal, sessions: SessionsDep
) -> ArticleRead:
    return await service.restore(sessions, principal, article_id, version)
