"""The full-text query: one tsquery per language the merchant writes in (each in its language's configuration),
ranked with ts_rank_cd over the weighted vector (title A, tags B, body C), a pg_trgm boost and typo fallback on
titles, and ts_headline snippets for the returned page only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_knowledge.domain.rendering import HIGHLIGHT_START, HIGHLIGHT_STOP

RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C (body), B (tags), A (title)
TITLE_SIMILARITY_WEIGHT = 0.3
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MaxWords=30, MinWords=12, MaxFragments=2,"
    ' FragmentDelimiter=" … "'
)


@dataclass(frozen=True)
class SearchScope:
    merchant_id: str
    language: str | None = None
    statuses: tuple[str, ...] | None = ("published",)
    category_id: uuid.UUID | None = None
    tag: str | None = None


def _statement(scope: SearchScope, *, typo_text: str | None, snippets: bool) -> tuple[str, dict[str, Any]]:
    values: dict[str, Any] = {"m": scope.merchant_id}
    languages = "SELECT DISTINCT language FROM kb_articles WHERE merchant_id = :m"
    if scope.language is not None:
        languages += " AND language = :language"
        values["language"] = scope.language
    filters = []
    if scope.statuses is not None:
        filters.append("a.status = ANY(:statuses)")
        values["statuses"] = list(scope.statuses)
    if scope.category_id is not None:
        filters.append(
            "(a.category_id = :category OR a.category_id IN"
            " (SELECT id FROM kb_categories WHERE merchant_id = :m AND parent_id = :category))"
        )
        values["category"] = scope.category_id
    if scope.tag is not None:
        filters.append("a.tags @> ARRAY[CAST(:tag AS text)]")
        values["tag"] = scope.tag
    match = "a.search_vector @@ q.query"
    score = f"ts_rank_cd('{RANK_WEIGHTS}', a.search_vector, q.query)"
    if typo_text is not None:
        match = f"({match} OR CAST(:typo AS text) <% a.title)"
        score += f" + {TITLE_SIMILARITY_WEIGHT} * word_similarity(CAST(:typo AS text), a.title)"
        values["typo"] = typo_text
    where = " AND ".join([match, *filters])
    hits = (
        f"WITH q AS (SELECT l.language, websearch_to_tsquery(kb_search_config(l.language), CAST(:q AS text)) AS query"
        f" FROM ({languages}) AS l),"
        f" hits AS (SELECT a.id, a.title, a.slug, a.locale, a.language, a.status, a.category_id, a.tags,"
        f" a.updated_at, a.published_at, q.query, ({score}) AS score"
        f" FROM q JOIN kb_articles a ON a.merchant_id = :m AND a.language = q.language WHERE {where}"
        f" ORDER BY score DESC, a.id LIMIT :limit OFFSET :offset)"
    )
    if snippets:
        values["headline"] = HEADLINE_OPTIONS
        select = (
            " SELECT h.id, h.title, h.slug, h.locale, h.status, h.category_id, h.tags, h.updated_at, h.published_at,"
            " h.score, ts_headline(kb_search_config(h.language), a.body_text, h.query, :headline) AS snippet"
            " FROM hits h JOIN kb_articles a ON a.merchant_id = :m AND a.id = h.id ORDER BY h.score DESC, h.id"
        )
    else:
        select = (
            " SELECT id, title, slug, locale, status, category_id, tags, updated_at, published_at, score,"
            " NULL AS snippet FROM hits ORDER BY score DESC, id"
        )
    return hits + select, values


async def search(
    session: AsyncSession,
    scope: SearchScope,
    query: str,
    *,
    typo_text: str | None,
    snippets: bool,
    limit: int,
    offset: int = 0,
) -> list[Row[Any]]:
    sql, values = _statement(scope, typo_text=typo_text, snippets=snippets)
    values |= {"q": query, "limit": limit, "offset": offset}
    return list((await session.execute(text(sql), values)).all())
