"""The full-text queries. Each article's vector is built in its language's configuration (title A, tags B,
body C), so a query is parsed once per language searched and matched against that language's articles only.

- `search`: web-search syntax, ts_rank_cd plus a pg_trgm title-similarity boost, ts_headline snippets for the
  returned page only;
- `fuzzy_titles`: the typo fallback, pg_trgm word similarity on titles, run when the exact search comes short;
- `suggest`: free text (a ticket) as an OR of its rarest terms (terms most articles contain are dropped, see
  `term_stats`), title and tag matches first, so ranking touches few candidates.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
HIT_COLUMNS = (
    "a.id, a.title, a.slug, a.locale, a.language, a.status, a.category_id, a.tags, a.updated_at, a.published_at"
)


@dataclass(frozen=True)
class SearchScope:
    merchant_id: str
    language: str | None = None
    statuses: tuple[str, ...] | None = ("published",)
    category_id: uuid.UUID | None = None
    tag: str | None = None


def _languages(scope: SearchScope, values: dict[str, Any]) -> str:
    """The languages searched: the one asked for, else every language the merchant has articles in."""
    if scope.language is not None:
        values["language"] = scope.language
        return "(SELECT CAST(:language AS text) AS language)"
    return "(SELECT DISTINCT language FROM kb_articles WHERE merchant_id = :m)"


def _filters(scope: SearchScope, values: dict[str, Any]) -> list[str]:
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
    return filters


def _with_snippets(hits_sql: str) -> str:
    """Snippets for the page's rows only: ts_headline parses the whole body, the costliest step of a search."""
    return (
        f"WITH hits AS ({hits_sql}) SELECT h.*, CASE WHEN CAST(:snippets AS boolean) THEN ts_headline("
        "kb_search_config(h.language), b.body_text, coalesce(h.query, CAST('' AS tsquery)), :headline) END AS snippet"
        " FROM hits h JOIN kb_articles b ON b.merchant_id = :m AND b.id = h.id ORDER BY h.score DESC, h.id"
    )


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
    values: dict[str, Any] = {"m": scope.merchant_id, "q": query, "limit": limit, "offset": offset}
    score = f"ts_rank_cd('{RANK_WEIGHTS}', a.search_vector, q.query)"
    if typo_text is not None:
        score += f" + {TITLE_SIMILARITY_WEIGHT} * word_similarity(CAST(:typo AS text), a.title)"
        values["typo"] = typo_text
    where = " AND ".join(["a.search_vector @@ q.query", *_filters(scope, values)])
    hits = (
        f"SELECT {HIT_COLUMNS}, q.query, ({score}) AS score"
        f" FROM (SELECT l.language, websearch_to_tsquery(kb_search_config(l.language), CAST(:q AS text)) AS query"
        f" FROM {_languages(scope, values)} AS l) AS q"
        f" JOIN kb_articles a ON a.merchant_id = :m AND a.language = q.language WHERE {where}"
        " ORDER BY score DESC, a.id LIMIT :limit OFFSET :offset"
    )
    values |= {"snippets": snippets, "headline": HEADLINE_OPTIONS}
    return list((await session.execute(text(_with_snippets(hits)), values)).all())


async def fuzzy_titles(
    session: AsyncSession,
    scope: SearchScope,
    typo_text: str,
    *,
    exclude: Sequence[uuid.UUID],
    snippets: bool,
    limit: int,
) -> list[Row[Any]]:
    """Articles whose title holds a word like the query's (a typo), best first; scored below exact matches."""
    values: dict[str, Any] = {"m": scope.merchant_id, "typo": typo_text, "exclude": list(exclude), "limit": limit}
    filters = _filters(scope, values)
    if scope.language is not None:
        filters.append("a.language = :language")
        values["language"] = scope.language
    where = " AND ".join(["CAST(:typo AS text) <% a.title", "a.id <> ALL(:exclude)", *filters])
    hits = (
        f"SELECT {HIT_COLUMNS}, CAST(NULL AS tsquery) AS query,"
        f" {TITLE_SIMILARITY_WEIGHT} * word_similarity(CAST(:typo AS text), a.title) AS score"
        f" FROM kb_articles a WHERE a.merchant_id = :m AND {where} ORDER BY score DESC, a.id LIMIT :limit"
    )
    values |= {"snippets": snippets, "headline": HEADLINE_OPTIONS}
    return list((await session.execute(text(_with_snippets(hits)), values)).all())


TICKET_LEXEMES = (
    "SELECT l.language, tsvector_to_array(to_tsvector(kb_search_config(l.language), CAST(:text AS text))) AS lexemes"
    " FROM {languages} AS l"
)
QUERIES = (
    "(SELECT u.language, CAST(u.query AS tsquery) AS query"
    " FROM unnest(CAST(:languages AS text[]), CAST(:queries AS text[])) AS u(language, query))"
)
SUGGEST_BY_TITLE = f"""
SELECT a.id, a.title, a.slug, ts_rank_cd('{RANK_WEIGHTS}', a.search_vector, q.query) AS score
FROM {QUERIES} AS q JOIN kb_articles a ON a.merchant_id = :m AND a.language = q.language
WHERE a.status = 'published' AND a.title_vector @@ q.query
ORDER BY score DESC, a.id LIMIT :limit
"""
SUGGEST_BY_BODY = f"""
SELECT c.id, c.title, c.slug, ts_rank_cd('{RANK_WEIGHTS}', c.search_vector, c.query) AS score
FROM (SELECT a.id, a.title, a.slug, a.search_vector, q.query
      FROM {QUERIES} AS q JOIN kb_articles a ON a.merchant_id = :m AND a.language = q.language
      WHERE a.status = 'published' AND a.search_vector @@ q.query AND a.id <> ALL(:exclude)
      LIMIT :candidates) AS c
ORDER BY score DESC, c.id LIMIT :limit
"""
BODY_CANDIDATES = 200


async def ticket_lexemes(
    session: AsyncSession, merchant_id: str, language: str | None, free_text: str
) -> list[tuple[str, list[str]]]:
    """The normalized terms of `free_text` in each language searched."""
    values: dict[str, Any] = {"m": merchant_id, "text": free_text}
    sql = TICKET_LEXEMES.replace("{languages}", _languages(SearchScope(merchant_id, language), values))
    return [(row.language, list(row.lexemes)) for row in await session.execute(text(sql), values)]


async def suggest(
    session: AsyncSession, merchant_id: str, queries: list[tuple[str, str]], limit: int
) -> list[Row[Any]]:
    """The best published articles for per-language tsqueries: title and tag matches first, ranked over the whole
    article; body-only matches fill the rest, ranked among the first BODY_CANDIDATES found (a bound on the work)."""
    values: dict[str, Any] = {
        "m": merchant_id,
        "languages": [language for language, _ in queries],
        "queries": [query for _, query in queries],
        "limit": limit,
    }
    rows = list((await session.execute(text(SUGGEST_BY_TITLE), values)).all())
    if len(rows) < limit:
        values |= {"exclude": [r.id for r in rows], "candidates": BODY_CANDIDATES, "limit": limit - len(rows)}
        rows += (await session.execute(text(SUGGEST_BY_BODY), values)).all()
    return rows
