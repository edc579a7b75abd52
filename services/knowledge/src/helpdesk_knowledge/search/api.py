"""GET /v1/articles/search (declared before /v1/articles/{id})."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from helpdesk_knowledge.domain.article import ArticleStatus
from helpdesk_knowledge.search import service
from helpdesk_knowledge.search.schemas import SearchResults
from helpdesk_knowledge.text import Locale, SearchText, Tag
from helpdesk_servicekit.auth import CurrentPrincipal
from helpdesk_servicekit.deps import SessionsDep

router = APIRouter(prefix="/v1/articles", tags=["search"])

SEARCH_SYNTAX = (
    'web-search syntax: words (all must match), "quoted phrases", -excluded words, `or` between alternatives'
)


@router.get("/search", response_model=SearchResults)
async def search_articles(
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    q: Annotated[SearchText, Query(description=SEARCH_SYNTAX)],
    category: uuid.UUID | None = None,
    tag: Annotated[Tag | None, Query()] = None,
    locale: Annotated[Locale | None, Query(description="search articles in this language only")] = None,
    status: Annotated[ArticleStatus | None, Query(description="staff only; customers always get published")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=500)] = 0,
) -> SearchResults:
    scope = service.scope_for(principal, locale=locale, category_id=category, tag=tag, status=status)
    return await service.search(sessions, principal, q, scope, limit, offset)
