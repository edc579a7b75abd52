"""Search for articles: web-search syntax, ranked, with snippets and a typo fallback on titles."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_contracts import normalize_tag
from helpdesk_knowledge.articles.service import locale_or_422
from helpdesk_knowledge.domain.article import ArticleStatus
from helpdesk_knowledge.domain.locales import language_of
from helpdesk_knowledge.domain.rendering import snippet_html
from helpdesk_knowledge.domain.suggest import typo_text
from helpdesk_knowledge.search import repository
from helpdesk_knowledge.search.repository import SearchScope
from helpdesk_knowledge.search.schemas import SearchHit, SearchResults
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work

Sessions = async_sessionmaker[AsyncSession]


def scope_for(
    principal: Principal,
    *,
    locale: str | None,
    category_id: uuid.UUID | None = None,
    tag: str | None = None,
    status: ArticleStatus | None = None,
) -> SearchScope:
    """Customers search published articles only; staff everything unless they filter by status."""
    if principal.is_staff:
        statuses = (status.value,) if status else None
    else:
        statuses = (ArticleStatus.PUBLISHED.value,)
    language = language_of(locale_or_422(locale, "query.locale")) if locale else None
    return SearchScope(
        merchant_id=principal.merchant_id,
        language=language,
        statuses=statuses,
        category_id=category_id,
        tag=normalize_tag(tag) if tag is not None else None,
    )


async def search(
    sessions: Sessions, principal: Principal, query: str, scope: SearchScope, limit: int, offset: int
) -> SearchResults:
    """Exact matches first; when they do not fill the first page, titles resembling the query (typos) follow."""
    fuzzy = typo_text(query)
    async with unit_of_work(sessions) as session:
        rows = await repository.search(
            session, scope, query, typo_text=fuzzy, snippets=True, limit=limit + 1, offset=offset
        )
        more = len(rows) > limit
        if len(rows) < limit and offset == 0 and fuzzy is not None:
            rows += await repository.fuzzy_titles(
                session, scope, fuzzy, exclude=[r.id for r in rows], snippets=True, limit=limit - len(rows)
            )
    items = [
        SearchHit.model_validate(dict(row._mapping) | {"snippet": snippet_html(row.snippet or "")})
        for row in rows[:limit]
    ]
    return SearchResults(query=query, items=items, next_offset=offset + limit if more else None)
