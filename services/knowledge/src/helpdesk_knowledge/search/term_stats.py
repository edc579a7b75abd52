"""Which lexemes most articles contain, from PostgreSQL's own statistics on the search vector (ANALYZE keeps the
most common elements with their share of rows). Suggestions leave those terms out: they match most articles and
tell little apart. Cached per database for a few minutes; below a few thousand articles nothing is left out."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_knowledge.domain.suggest import COMMON_TERM_SHARE

REFRESH_SECONDS = 300.0
MIN_ARTICLES = 5_000

COMMON_TERMS = text(
    "SELECT x.lexeme, x.share FROM pg_stats s,"
    " unnest(CAST(CAST(s.most_common_elems AS text) AS text[]), s.most_common_elem_freqs) AS x(lexeme, share)"
    " WHERE s.schemaname = current_schema() AND s.tablename = 'kb_articles' AND s.attname = 'search_vector'"
    " AND x.lexeme IS NOT NULL AND x.share >= :share"
    " AND (SELECT reltuples FROM pg_class WHERE oid = CAST('kb_articles' AS regclass)) >= :min_articles"
)


@dataclass(frozen=True)
class CommonTerms:
    shares: dict[str, float]
    fetched_at: float


_cache: dict[str, CommonTerms] = {}


async def common_terms(session: AsyncSession) -> dict[str, float]:
    """Lexeme -> share of articles containing it, for the lexemes at least COMMON_TERM_SHARE of articles hold."""
    key = str(session.get_bind().engine.url)
    cached = _cache.get(key)
    if cached is None or time.monotonic() - cached.fetched_at > REFRESH_SECONDS:
        rows = (
            await session.execute(COMMON_TERMS, {"share": COMMON_TERM_SHARE, "min_articles": MIN_ARTICLES})
        ).all()
        cached = CommonTerms({r.lexeme: r.share for r in rows}, time.monotonic())
        _cache[key] = cached
    return cached.shares
