"""Survey results benchmark: 1,000,000 responses across 100 merchants and 2,000 agents, then 90-day results.

Seeds a throwaway database (migrated with the real feedback migrations) with set-based SQL: the responses with
one INSERT ... SELECT generate_series over a year, then the rollups the service keeps (per merchant, type, day
and agent x category, agent, category or total: counts per score) with one INSERT ... SELECT ... GROUP BY
GROUPING SETS. Then measures p50/p99 latency of a
90-day results query (per day and in total: score, counts, response rate)
  - per merchant (a manager's view) and per agent (an agent's own view),
through the service's own use case (`helpdesk_feedback.results.service.results`: rollup query, scoring, response
models), beside a baseline measured in the same run: the same aggregate computed by bare SQL over the raw
responses table (indexed on merchant, type, time and on merchant, agent, type, time). A heavy merchant
(--heavy responses within the 90 days, default 200,000) shows how each grows with volume. Prints figures;
never passes or fails on time.

    uv run python bench/feedback.py [--responses 1000000] [--merchants 100] [--runs 300] [--heavy 200000]

HELPDESK_TEST_DATABASE_URL names the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres);
the database it creates is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from helpdesk_contracts import Role
from helpdesk_feedback.main import MIGRATIONS
from helpdesk_feedback.results import service
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import make_engine, make_session_factory, migrate

AGENTS_PER_MERCHANT = 20
CATEGORIES_PER_MERCHANT = 8
TYPES = ("csat", "nps", "ces")
HEAVY = "bm-heavy"
# The score of a response: CSAT 1-5, NPS 0-10, CES 1-7, skewed towards good answers as real ones are.
SCORE = """CASE r.t WHEN 'csat' THEN least(5, 1 + floor(random() * 5.6))
                    WHEN 'nps' THEN least(10, floor(random() * 12.5))
                    ELSE least(7, 1 + floor(random() * 7.5)) END"""


def admin_url() -> str:
    return os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def seed_responses_sql(merchant: str, days: int) -> str:
    """Responses $1..: count, merchant count, now; `merchant` an SQL expression over g."""
    return f"""
    INSERT INTO survey_responses (merchant_id, invitation_id, ticket_id, survey_type, score, agent_id, category_id,
                                  responded_at)
    SELECT r.m, r.inv, r.ticket, r.t, {SCORE}, r.agent, r.category, r.at
    FROM (
        SELECT {merchant} AS m,
               md5('inv' || $4 || g)::uuid AS inv,
               md5('ticket' || $4 || g)::uuid AS ticket,
               (ARRAY['csat', 'nps', 'ces'])[1 + (g / $2) % 3] AS t,
               'agent-' || {merchant} || '-' || ((g / ($2 * 3)) % {AGENTS_PER_MERCHANT}) AS agent,
               md5('category' || {merchant} || ((g / ($2 * 61)) % {CATEGORIES_PER_MERCHANT}))::uuid AS category,
               $3::timestamptz - random() * interval '{days} days' AS at
        FROM generate_series(0, $1 - 1) AS g
    ) AS r
    """


# The four grains the service keeps, in one pass: GROUPING(agent_id, category_id) is the grain number.
ROLLUPS = (
    "INSERT INTO survey_rollups (merchant_id, survey_type, grain, agent_id, category_id, day, invited, answered,"
    " scores)"
    " SELECT merchant_id, survey_type, GROUPING(agent_id, category_id), coalesce(agent_id, ''),"
    " coalesce(category_id, '00000000-0000-0000-0000-000000000000'), day, count(*) * 5 / 3, count(*), ARRAY["
    + ", ".join(f"count(*) FILTER (WHERE score = {s})::int" for s in range(11))
    + "] FROM (SELECT *, (responded_at AT TIME ZONE 'UTC')::date AS day FROM survey_responses) AS r"
    " GROUP BY merchant_id, survey_type, day, GROUPING SETS ((agent_id, category_id), (agent_id), (category_id), ())"
)


async def seed(dsn: str, responses: int, merchants: int, heavy: int) -> None:
    conn = await asyncpg.connect(dsn)
    now = datetime.now(UTC)
    try:
        started = time.perf_counter()
        merchant = f"'bm' || lpad((g % {merchants})::text, 3, '0')"
        await conn.execute(seed_responses_sql(merchant, 365), responses, merchants, now, "a")
        if heavy:
            await conn.execute(seed_responses_sql(f"'{HEAVY}'", 90), heavy, 1, now, "h")
        print(f"  {responses:,} responses (+{heavy:,} for {HEAVY}) inserted in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        await conn.execute(ROLLUPS)
        await conn.execute("ANALYZE survey_responses")
        await conn.execute("ANALYZE survey_rollups")
        rows = await conn.fetchval("SELECT count(*) FROM survey_rollups")
        agents = await conn.fetchval(
            "SELECT count(DISTINCT agent_id) FROM survey_responses WHERE merchant_id <> $1", HEAVY
        )
        print(f"  {rows:,} rollup rows built (set-based) in {time.perf_counter() - started:.1f}s; {agents:,} agents")
    finally:
        await conn.close()


BARE = """
SELECT (responded_at AT TIME ZONE 'UTC')::date AS day, {counts}
FROM survey_responses
WHERE merchant_id = $1 AND survey_type = $2 AND responded_at >= $3 AND responded_at < $4 {agent}
GROUP BY 1
""".replace("{counts}", ", ".join(f"count(*) FILTER (WHERE score = {s})" for s in range(11)))
BARE_MERCHANT = BARE.replace("{agent}", "")
ROLLUP_READ = (
    "SELECT day, invited, answered, scores FROM survey_rollups WHERE merchant_id = $1 AND survey_type = $2"
    " AND grain = $3 AND agent_id = $4 AND category_id = '00000000-0000-0000-0000-000000000000'"
    " AND day BETWEEN $5 AND $6"
)
BARE_AGENT = BARE.replace("{agent}", "AND agent_id = $5")


async def measure(name: str, runs: int, call: Callable[[int], Awaitable[Any]]) -> tuple[str, float, float]:
    for i in range(min(30, runs)):
        await call(i)
    timings = []
    for i in range(runs):
        started = time.perf_counter()
        await call(i)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return name, statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.99))]


async def run_queries(dsn: str, merchants: int, runs: int, heavy: int) -> list[tuple[str, float, float]]:
    engine = make_engine(dsn, 4)
    sessions = make_session_factory(engine)
    pool = await asyncpg.create_pool(dsn.replace("postgresql+asyncpg://", "postgresql://"), min_size=1, max_size=2)
    rng = random.Random(7)
    last = datetime.now(UTC).date()
    first = last - timedelta(days=89)
    start, end = datetime.combine(first, datetime.min.time(), UTC), datetime.combine(last, datetime.min.time(), UTC)
    end += timedelta(days=1)
    picks = [
        (f"bm{rng.randrange(merchants):03d}", rng.choice(TYPES), rng.randrange(AGENTS_PER_MERCHANT))
        for _ in range(runs + 30)
    ]

    def manager(merchant: str) -> Principal:
        return Principal(user_id="mgr", merchant_id=merchant, role=Role.MANAGER)

    def agent(merchant: str, k: int) -> Principal:
        return Principal(user_id=f"agent-{merchant}-{k}", merchant_id=merchant, role=Role.AGENT)

    async def via_rollups(principal: Principal, survey_type: str) -> Any:
        return await service.results(sessions, principal, survey_type, first, last, None, None, 366)

    async def bare(sql: str, *args: Any) -> Any:
        async with pool.acquire() as conn:
            return await conn.fetch(sql, *args)

    # The two paths must agree before their speed means anything.
    m, t, _ = picks[0]
    summary = (await via_rollups(manager(m), t)).summary
    raw = await bare(BARE_MERCHANT, m, t, start, end)
    assert summary.responses == sum(sum(row[1:]) for row in raw), "rollups and raw responses disagree"

    results = [
        await measure(
            "per merchant: service use case over rollups", runs,
            lambda i: via_rollups(manager(picks[i][0]), picks[i][1]),
        ),
        await measure(
            "per merchant: the rollup read alone, bare SQL", runs,
            lambda i: bare(ROLLUP_READ, picks[i][0], picks[i][1], 3, "", first, last),
        ),
        await measure(
            "per merchant: baseline, bare SQL over responses", runs,
            lambda i: bare(BARE_MERCHANT, picks[i][0], picks[i][1], start, end),
        ),
        await measure(
            "per agent: service use case over rollups", runs,
            lambda i: via_rollups(agent(picks[i][0], picks[i][2]), picks[i][1]),
        ),
        await measure(
            "per agent: the rollup read alone, bare SQL", runs,
            lambda i: bare(ROLLUP_READ, picks[i][0], picks[i][1], 1, f"agent-{picks[i][0]}-{picks[i][2]}", first, last),
        ),
        await measure(
            "per agent: baseline, bare SQL over responses", runs,
            lambda i: bare(BARE_AGENT, picks[i][0], picks[i][1], start, end, f"agent-{picks[i][0]}-{picks[i][2]}"),
        ),
    ]
    if heavy:
        results += [
            await measure(
                f"{HEAVY} ({heavy:,} in 90 days): use case over rollups", runs,
                lambda i: via_rollups(manager(HEAVY), picks[i][1]),
            ),
            await measure(
                f"{HEAVY}: baseline, bare SQL over responses", runs,
                lambda i: bare(BARE_MERCHANT, HEAVY, picks[i][1], start, end),
            ),
        ]
    await pool.close()
    await engine.dispose()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--merchants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--heavy", type=int, default=200_000, help="responses of one extra merchant within 90 days")
    parser.add_argument("--keep", action="store_true", help="keep the database (to look at plans, or to --reuse)")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure again on a database kept by --keep")
    args = parser.parse_args()

    name = args.reuse or f"bench_feedback_{secrets.token_hex(4)}"
    admin = admin_url()
    dsn = make_url(admin).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    agents = args.merchants * AGENTS_PER_MERCHANT
    print(f"survey results benchmark: {args.responses:,} responses, {args.merchants} merchants, {agents:,} agents,"
          f" database {name}")
    try:
        if not args.reuse:
            started = time.perf_counter()
            await migrate(dsn, MIGRATIONS)
            print(f"  migrated with the real feedback migrations in {time.perf_counter() - started:.1f}s")
            plain = dsn.replace("postgresql+asyncpg://", "postgresql://")
            await seed(plain, args.responses, args.merchants, args.heavy)
        results = await run_queries(dsn, args.merchants, args.runs, args.heavy)
    finally:
        conn = await asyncpg.connect(admin)
        try:
            if not (args.keep or args.reuse):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
    print(f"\n{'90-day results query (' + str(args.runs) + ' runs each, sequential)':<58} {'p50 ms':>8} {'p99 ms':>8}")
    for label, p50, p99 in results:
        print(f"{label:<58} {p50:8.2f} {p99:8.2f}")
    worst = max(p99 for label, _, p99 in results if "use case" in label)
    print(f"\nworst p99 through the service: {worst:.2f} ms (goal: <= 200 ms)")


if __name__ == "__main__":
    asyncio.run(main())
