"""Knowledge benchmark: 100,000 generated articles across 50 merchants, then search and suggestions.

Seeds a throwaway database (migrated with the real knowledge migrations) with set-based INSERT ... SELECT
generate_series (the GIN indexes dropped during the load and rebuilt from their migration definitions), then
measures p50/p99 latency, sequentially, of
  - search as a customer through the service's use case (`search.service.search`: web-search tsquery in the
    language's configuration, ts_rank_cd, pg_trgm title boost and typo fallback, ts_headline snippets),
    in one language and across every language of the merchant, and with a typo;
  - suggestions: the ticket form's use case (`suggest_for_form`, which also records the funnel row) and the
    new-ticket path (`suggest_for_ticket`: funnel update, ranking, suggestion row, outbox event, commit);
beside baselines measured in the same run: the bare tsquery SQL (match + ts_rank_cd, no snippets, no trigram)
over asyncpg, and a primary-key lookup. Prints figures; never passes or fails on time.

    uv run python bench/knowledge.py [--articles 100000] [--merchants 50] [--runs 500]

HELPDESK_TEST_DATABASE_URL names the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres);
the database it creates is dropped at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from helpdesk_contracts import Envelope, Role, TicketCreated, TicketSnapshot, make_envelope
from helpdesk_knowledge.main import MIGRATIONS
from helpdesk_knowledge.search import service as search
from helpdesk_knowledge.suggestions import service as suggestions
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import make_engine, make_session_factory, migrate, unit_of_work

CORE_WORDS = (
    "refund parcel delivery broken damaged missing invoice payment card voucher discount order return exchange"
    " size colour shoes jacket phone laptop charger cable battery screen warranty repair courier tracking"
    " address late wrong item package label receipt account password login email newsletter coupon"
    " subscription cancel renew upgrade price charge billing tax shipping customs import stock restock preorder"
    " gift wrap store pickup locker weekend urgent quality material fabric zipper button sole heel strap lens"
    " frame glass scratch crack leak noise app update install settings privacy data export delete profile"
).split()
SYLLABLES = "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru ta te ti to tu"


def vocabulary(size: int = 4000, seed: int = 11) -> list[str]:
    """Helpdesk words and made-up ones, shuffled: drawn with a skew, some words are common and most are rare."""
    rng = random.Random(seed)
    syllables = SYLLABLES.split()
    made_up: set[str] = set()
    while len(made_up) < size - len(CORE_WORDS):
        made_up.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    words = CORE_WORDS + sorted(made_up)
    rng.shuffle(words)
    return words


SKEW = 2.2  # index = n * random()^SKEW: a Zipf-like spread of word frequencies


def admin_url() -> str:
    return os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pick(rng: random.Random, words: list[str]) -> str:
    return words[int(len(words) * rng.random() ** SKEW)]


# Text is drawn from a pool of sentences (each a few skew-drawn words) kept in a table: picking from a large
# text[] by subscript walks the array on every pick, which made seeding minutes slower.
SENTENCES = """
CREATE UNLOGGED TABLE bench_sentences AS
SELECT n AS k, (SELECT string_agg(w[1 + floor(cardinality(w) * power(random() + 0 * i + 0 * n, $2))::int], ' ')
                FROM generate_series(1, 6) AS i) AS s
FROM generate_series(1, $3) AS n, (SELECT $1::text[] AS w) AS words;
"""
SENTENCE_POOL = 40_000

SEED = """
INSERT INTO kb_articles (merchant_id, id, status, version, title, slug, locale, language, body_markdown, body_html,
                         body_text, category_id, tags, author_id, published_at, created_at, updated_at)
SELECT s.merchant_id, gen_random_uuid(), s.status, 1, s.title, 'a-' || s.g, s.language, s.language, s.body,
       '<p>' || s.body || '</p>', s.body, NULL, s.tags, 'agent-1',
       CASE WHEN s.status = 'published' THEN s.created_at END, s.created_at, s.created_at
FROM (
  SELECT g, 'm' || (g % $3) AS merchant_id,
         CASE WHEN g % 20 < 16 THEN 'published' WHEN g % 20 < 19 THEN 'draft' ELSE 'archived' END AS status,
         CASE WHEN g % 10 < 8 THEN 'en' WHEN g % 10 = 8 THEN 'de' ELSE 'fr' END AS language,
         initcap((SELECT array_to_string((string_to_array(p.s, ' '))[1:3 + g % 4], ' ')
                  FROM bench_sentences p WHERE p.k = 1 + (g * 7907) % $4)) AS title,
         (SELECT string_agg(p.s, '. ') FROM generate_series(1, 14 + (g * 7919) % 20) AS i
          JOIN bench_sentences p ON p.k = 1 + (g * 104729 + i * 7793) % $4) AS body,
         CASE WHEN g % 3 = 0 THEN ARRAY[($5::text[])[1 + g % 40]] ELSE '{}'::text[] END AS tags,
         now() - random() * interval '700 days' AS created_at
  FROM generate_series($1::bigint, $2::bigint - 1) AS g
) AS s
"""


async def seed(dsn: str, articles: int, merchants: int, words: list[str]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'kb_articles' AND indexdef LIKE '%USING gin%'"
        )
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        await conn.execute("DROP TABLE IF EXISTS bench_sentences")
        await conn.execute(SENTENCES.replace("$3", str(SENTENCE_POOL)).replace("$2", str(SKEW)).replace(
            "$1::text[]", "ARRAY[" + ",".join(f"'{w}'" for w in words) + "]"))
        await conn.execute("ALTER TABLE bench_sentences ADD PRIMARY KEY (k)")
        batch, started = 10_000, time.perf_counter()
        for low in range(0, articles, batch):
            await conn.execute(SEED, low, min(low + batch, articles), merchants, SENTENCE_POOL, words[:40])
            done = min(low + batch, articles)
            if done % 20_000 == 0 or done == articles:
                print(f"  seeded {done:>7,} articles  {time.perf_counter() - started:6.1f}s", flush=True)
        await conn.execute(
            "INSERT INTO kb_article_stats (merchant_id, article_id) SELECT merchant_id, id FROM kb_articles"
        )
        await conn.execute("INSERT INTO kb_article_versions (merchant_id, article_id, version, title, slug, locale,"
                           " body_markdown, body_html, tags, created_by, created_at) SELECT merchant_id, id, 1, title,"
                           " slug, locale, body_markdown, body_html, tags, author_id, created_at FROM kb_articles")
        await conn.execute("DROP TABLE bench_sentences")
        await conn.execute("SET maintenance_work_mem = '256MB'")
        built = time.perf_counter()
        for row in indexes:
            await conn.execute(row["indexdef"])
        took = time.perf_counter() - built
        print(f"  rebuilt {len(indexes)} GIN indexes from their migration definitions in {took:.1f}s")
        await conn.execute("VACUUM ANALYZE")
        counts = await conn.fetchrow(
            "SELECT count(*) AS articles, count(DISTINCT merchant_id) AS merchants,"
            " count(*) FILTER (WHERE status = 'published') AS published,"
            " avg(length(body_text))::int AS body_chars FROM kb_articles"
        )
        print(
            f"  {counts['articles']:,} articles ({counts['published']:,} published), {counts['merchants']} merchants,"
            f" {counts['body_chars']} characters of body on average"
        )
    finally:
        await conn.close()


async def measure(name: str, runs: int, call: Callable[[int], Awaitable[Any]]) -> tuple[str, float, float, float]:
    for i in range(min(50, runs)):
        await call(i)
    timings, rows = [], 0
    for i in range(runs):
        started = time.perf_counter()
        result = await call(i)
        timings.append((time.perf_counter() - started) * 1000)
        rows += len(result)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return name, p50, p99, rows / runs


BARE_SEARCH = """
SELECT id, title, ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', search_vector, q) AS score
FROM kb_articles, websearch_to_tsquery('english', $2) AS q
WHERE merchant_id = $1 AND language = 'en' AND status = 'published' AND search_vector @@ q
ORDER BY score DESC, id LIMIT 10
"""


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1 :]


async def run_queries(dsn: str, merchants: int, runs: int, words: list[str]) -> list[tuple[str, float, float, float]]:
    engine = make_engine(dsn, pool_size=4)
    sessions = make_session_factory(engine)
    pool = await asyncpg.create_pool(dsn.replace("postgresql+asyncpg://", "postgresql://"), min_size=1, max_size=2)
    assert pool is not None
    rng = random.Random(7)
    n = runs + 50
    async with pool.acquire() as conn:
        # People search for words that are in the articles, and make typos in title words.
        sample = await conn.fetch(
            "SELECT merchant_id, title, body_text FROM kb_articles TABLESAMPLE SYSTEM (5)"
            " WHERE language = 'en' AND status = 'published' LIMIT $1", n
        )
        ids = [(r["merchant_id"], r["id"]) for r in await conn.fetch(
            "SELECT merchant_id, id FROM kb_articles TABLESAMPLE SYSTEM (2) LIMIT $1", n
        )]  # fmt: skip
    merchant_of = [sample[i % len(sample)]["merchant_id"] for i in range(n)]
    queries = []
    for i in range(n):
        body = sample[i % len(sample)]["body_text"].replace(".", "").split()
        start = rng.randrange(len(body) - 3)
        size = rng.choice((1, 1, 2, 2, 3))
        # a word, two or three words anywhere in the article, or (one time in five) a quoted phrase
        queries.append(f'"{" ".join(body[start:start + 2])}"' if i % 5 == 4 else " ".join(rng.sample(body, size)))
    titles = [r["title"] for r in sample]
    typos = [typo(rng, max(t.split(), key=len).lower()) for t in titles]
    tickets = [
        (" ".join(pick(rng, words) for _ in range(5)), " ".join(pick(rng, words) for _ in range(rng.randint(10, 40))))
        for _ in range(n)
    ]

    def customer(i: int) -> Principal:
        return Principal(user_id=f"c{i % 500}", merchant_id=merchant_of[i], role=Role.CUSTOMER)

    async def pk_lookup(i: int) -> Any:
        async with pool.acquire() as conn:
            return await conn.fetch("SELECT * FROM kb_articles WHERE merchant_id = $1 AND id = $2", *ids[i % len(ids)])

    async def bare_search(i: int) -> Any:
        async with pool.acquire() as conn:
            return await conn.fetch(BARE_SEARCH, merchant_of[i], queries[i])

    async def service_search(i: int, *, locale: str | None = "en", query: str | None = None) -> Any:
        who = customer(i)
        scope = search.scope_for(who, locale=locale)
        return (await search.search(sessions, who, query or queries[i], scope, 10, 0)).items

    async def service_search_any_language(i: int) -> Any:
        return await service_search(i, locale=None)

    async def service_search_typo(i: int) -> Any:
        return await service_search(i, query=typos[i % len(typos)])

    async def bare_suggestion(i: int) -> Any:
        query = " or ".join(dict.fromkeys(" ".join(tickets[i]).split()))
        async with pool.acquire() as conn:
            return await conn.fetch(BARE_SEARCH.replace("LIMIT 10", "LIMIT 3"), merchant_of[i], query)

    async def form_suggestion(i: int) -> Any:
        subject, description = tickets[i]
        return (await suggestions.suggest_for_form(sessions, customer(i), f"{subject} {description}", "en", 3)).articles

    async def ticket_suggestion(i: int) -> Any:
        subject, description = tickets[i]
        snapshot = TicketSnapshot(
            ticket_id=uuid.uuid4(), number=i, customer_id=f"c{i % 500}", subject=subject, description=description,
            locale="en", status="new", priority="normal", created_at=datetime.now(UTC), ticket_version=1,  # type: ignore[arg-type]
        )  # fmt: skip
        event = TicketCreated(ticket=snapshot)
        envelope: Envelope = make_envelope(event, merchant_id=merchant_of[i], producer="tickets")
        async with unit_of_work(sessions) as session:
            await suggestions.suggest_for_ticket(session, envelope, event)
            await session.commit()
        return [1]

    results = []
    for name, call in [
        ("baseline: primary-key lookup (bare SQL)", pk_lookup),
        ("baseline: bare tsquery search SQL", bare_search),
        ("search, service (one language)", service_search),
        ("search, service (every language)", service_search_any_language),
        ("search, service (typo in a title word)", service_search_typo),
        ("baseline: bare SQL, any ticket word (no pruning)", bare_suggestion),
        ("suggestion, ticket form (records funnel)", form_suggestion),
        ("suggestion, new ticket (event + commit)", ticket_suggestion),
    ]:
        results.append(await measure(name, runs, call))
    async with pool.acquire() as conn:
        plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + BARE_SEARCH, merchant_of[0], queries[0])
    print(f"\nplan of the bare search for {queries[0]!r}:")
    print("\n".join("  " + r[0] for r in plan))
    await pool.close()
    await engine.dispose()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--merchants", type=int, default=50)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the database (to look at plans, or to --reuse)")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure again on a database kept by --keep")
    args = parser.parse_args()

    name = args.reuse or f"bench_kb_{secrets.token_hex(4)}"
    admin = admin_url()
    dsn = make_url(admin).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    words = vocabulary()
    print(f"knowledge benchmark: {args.articles:,} articles, {args.merchants} merchants, database {name}")
    try:
        if not args.reuse:
            started = time.perf_counter()
            await migrate(dsn, MIGRATIONS)
            print(f"  migrated with the real knowledge migrations in {time.perf_counter() - started:.1f}s")
            started = time.perf_counter()
            await seed(dsn.replace("postgresql+asyncpg://", "postgresql://"), args.articles, args.merchants, words)
            print(f"  seeding took {time.perf_counter() - started:.1f}s in all")
        results = await run_queries(dsn, args.merchants, args.runs, words)
    finally:
        conn = await asyncpg.connect(admin)
        try:
            if not (args.keep or args.reuse):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
    print(f"\n{'query (' + str(args.runs) + ' runs each, sequential)':<46} {'p50 ms':>8} {'p99 ms':>8} {'rows':>6}")
    for label, p50, p99, rows in results:
        print(f"{label:<46} {p50:8.2f} {p99:8.2f} {rows:6.1f}")
    search_p99 = next(p99 for label, _, p99, _ in results if label == "search, service (one language)")
    suggest_p99 = next(p99 for label, _, p99, _ in results if label == "suggestion, new ticket (event + commit)")
    print(f"\nsearch p99 {search_p99:.2f} ms (goal <= 30 ms); suggestion p99 {suggest_p99:.2f} ms (goal <= 20 ms)")


if __name__ == "__main__":
    asyncio.run(main())
