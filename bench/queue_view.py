"""Queue-view benchmark: 1,000,000 tickets across 100 merchants, then the agent queue and text search.

Seeds a throwaway database (migrated with the real tickets migrations) with a bulk INSERT ... SELECT
generate_series (indexes dropped during the load and rebuilt from their migration definitions), then
measures p50/p99 latency of
  - the agent queue: status in (assigned, in_progress), assignee = me, sorted by SLA due, 50 rows,
  - full-text search as a customer (public text) and as an agent (public text + internal notes),
through the service's own use case (`helpdesk_tickets.tickets.service.list_tickets`: repository query,
ORM loading and response models), side by side with baselines measured in the same run: the same query as
bare SQL over asyncpg, and a primary-key lookup. Prints figures; never passes or fails on time.

    uv run python bench/queue_view.py [--tickets 1000000] [--merchants 100] [--runs 500]

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
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from helpdesk_contracts import Role
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import make_engine, make_session_factory, migrate
from helpdesk_tickets.main import MIGRATIONS
from helpdesk_tickets.repository import Sort, TicketFilter
from helpdesk_tickets.tickets import service

AGENTS_PER_MERCHANT = 20
CUSTOMERS_PER_MERCHANT = 2_000
WORDS = (
    "refund parcel delivery broken damaged missing invoice payment card voucher discount order return exchange"
    " size colour color shoes jacket phone laptop charger cable battery screen warranty repair courier tracking"
    " address late early wrong item package box label receipt account password login email newsletter coupon"
    " subscription cancel renew upgrade downgrade price charge double billing tax shipping customs duty import"
    " export stock available restock preorder backorder gift wrap message note store pickup locker weekend"
    " monday tuesday urgent question help thanks please soon again still never always quality material fabric"
    " stitching zipper button sole heel strap buckle lens frame glass scratch dent crack leak smell noise"
).split()

# status, share of tickets (the rest of the columns follow from the status)
STATUSES = [
    ("closed", 0.55),
    ("resolved", 0.10),
    ("new", 0.05),
    ("assigned", 0.10),
    ("in_progress", 0.12),
    ("waiting_customer", 0.05),
    ("waiting_third_party", 0.03),
]


def admin_url() -> str:
    return os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def words(n: int) -> str:
    """SQL for `n` random words of the array `w`, space-separated."""
    return " || ' ' || ".join(["w[1 + (random() * (cardinality(w) - 1))::int]"] * n)


def status_case() -> str:
    """SQL picking a status from the shares above for a row whose random draw is `r`."""
    parts, cumulative = [], 0.0
    for status, share in STATUSES[:-1]:
        cumulative += share
        parts.append(f"WHEN r < {cumulative:.4f} THEN '{status}'")
    return f"CASE {' '.join(parts)} ELSE '{STATUSES[-1][0]}' END"


SEED_BATCH = """
INSERT INTO tickets (merchant_id, id, number, customer_id, subject, description, status, priority, tags,
                     assignee_id, escalation_level, order_id, sla_state, sla_due_at, created_at, updated_at,
                     version, search_vector)
SELECT s.merchant_id, gen_random_uuid(), s.number, s.customer_id, s.subject, s.description, s.status, s.priority,
       s.tags, s.assignee_id, 1, s.order_id,
       CASE WHEN s.sla_due_at < now() THEN 'breached' WHEN s.sla_due_at < now() + interval '1 hour'
            THEN 'at_risk' ELSE 'on_track' END,
       s.sla_due_at, s.created_at, s.created_at + interval '1 hour', 3,
       setweight(to_tsvector('english', s.subject), 'A') || setweight(to_tsvector('english', s.description), 'B')
FROM (
  SELECT 'm' || (g % $3) AS merchant_id,
         g / $3 + 1 AS number,
         'c' || ((g / $3) % $4) AS customer_id,
         {words4} AS subject,
         {words6} AS description,
         st.status,
         (ARRAY['low','normal','normal','normal','high','urgent'])[1 + (random() * 5)::int] AS priority,
         CASE WHEN random() < 0.2 THEN ARRAY['vip'] ELSE '{}'::text[] END AS tags,
         CASE WHEN st.status = 'new' THEN NULL ELSE 'agent-' || ((g / $3) % $5) END AS assignee_id,
         CASE WHEN random() < 0.3 THEN 'o-' || g END AS order_id,
         CASE WHEN st.status IN ('closed', 'resolved') THEN NULL
              ELSE now() + (random() * 48 - 6) * interval '1 hour' END AS sla_due_at,
         now() - random() * interval '365 days' AS created_at
  FROM generate_series($1::bigint, $2::bigint - 1) AS g,
       LATERAL (SELECT random() + 0 * g AS r) AS d,
       LATERAL (SELECT {status_case} AS status) AS st,
       (SELECT $6::text[] AS w) AS words
) AS s
"""

NOTES = """
INSERT INTO messages (merchant_id, id, ticket_id, author_id, author_role, visibility, body, created_at)
SELECT t.merchant_id, gen_random_uuid(), t.id, t.assignee_id, 'agent', 'internal',
       'internal: ' || {words2} || ' escalated to warehouse', t.created_at + interval '5 minutes'
FROM tickets t, (SELECT $1::text[] AS w) AS words
WHERE t.assignee_id IS NOT NULL AND random() < $2
"""


async def seed(dsn: str, tickets: int, merchants: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('tickets', 'messages')"
            " AND indexname NOT LIKE 'pk_%'"
        )
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        await conn.execute("ALTER TABLE tickets DISABLE TRIGGER tickets_search_vector")
        sql = (
            SEED_BATCH.replace("{status_case}", status_case())
            .replace("{words4}", words(4))
            .replace("{words6}", words(6))
        )
        batch, started = 100_000, time.perf_counter()
        for low in range(0, tickets, batch):
            await conn.execute(
                sql, low, min(low + batch, tickets), merchants, CUSTOMERS_PER_MERCHANT,
                AGENTS_PER_MERCHANT, WORDS,
            )  # fmt: skip
            print(
                f"  seeded {min(low + batch, tickets):>9,} tickets  {time.perf_counter() - started:6.1f}s", flush=True
            )
        await conn.execute(
            "INSERT INTO ticket_counters (merchant_id, last_number)"
            " SELECT merchant_id, max(number) FROM tickets GROUP BY merchant_id"
        )
        await conn.execute(NOTES.replace("{words2}", words(2)), WORDS, 0.1)
        await conn.execute("ALTER TABLE tickets ENABLE TRIGGER tickets_search_vector")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        built = time.perf_counter()
        for row in indexes:
            await conn.execute(row["indexdef"])
        print(
            f"  rebuilt {len(indexes)} indexes from their migration definitions in {time.perf_counter() - built:.1f}s"
        )
        await conn.execute("VACUUM ANALYZE tickets")
        await conn.execute("VACUUM ANALYZE messages")
        counts = await conn.fetchrow(
            "SELECT count(*) AS tickets, count(DISTINCT merchant_id) AS merchants,"
            " (SELECT count(*) FROM messages) AS notes FROM tickets"
        )
        print(f"  {counts['tickets']:,} tickets, {counts['merchants']} merchants, {counts['notes']:,} internal notes")
    finally:
        await conn.close()


async def measure(name: str, runs: int, call: Callable[[int], Awaitable[Any]]) -> tuple[str, float, float, int]:
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
    return name, p50, p99, rows // runs


BARE_QUEUE = """
SELECT * FROM tickets WHERE merchant_id = $1 AND assignee_id = $2 AND status IN ('assigned', 'in_progress')
ORDER BY sla_due_at ASC NULLS LAST, id ASC LIMIT 51
"""
BARE_SEARCH = """
SELECT * FROM tickets WHERE merchant_id = $1 AND customer_id = $2
  AND search_vector @@ websearch_to_tsquery('english', $3)
ORDER BY created_at DESC, id DESC LIMIT 51
"""
BARE_STAFF_SEARCH = """
SELECT * FROM tickets WHERE merchant_id = $1 AND search_vector @@ websearch_to_tsquery('english', $2)
ORDER BY created_at DESC, id DESC LIMIT 51
"""


async def run_queries(dsn: str, merchants: int, runs: int) -> list[tuple[str, float, float, int]]:
    engine = make_engine(dsn, pool_size=4)
    sessions = make_session_factory(engine)
    pool = await asyncpg.create_pool(dsn.replace("postgresql+asyncpg://", "postgresql://"), min_size=1, max_size=2)
    rng = random.Random(7)
    picks = [(f"m{rng.randrange(merchants)}", rng.randrange(AGENTS_PER_MERCHANT)) for _ in range(runs + 50)]
    words = [rng.choice(WORDS) for _ in range(runs + 50)]
    assert pool is not None
    async with pool.acquire() as conn:
        ids = [
            (r["merchant_id"], r["id"])
            for r in await conn.fetch("SELECT merchant_id, id FROM tickets TABLESAMPLE SYSTEM (1) LIMIT $1", runs + 50)
        ]
        # Customers search for a word of one of their own tickets' subjects, as they would.
        own_subjects = (
            "SELECT DISTINCT ON (customer_id) customer_id, subject FROM tickets WHERE merchant_id = $1 LIMIT 50"
        )
        customers = {
            m: [(r["customer_id"], r["subject"].split()[0]) for r in await conn.fetch(own_subjects, m)]
            for m in {p[0] for p in picks}
        }

    def agent(i: int) -> Principal:
        merchant, n = picks[i]
        return Principal(user_id=f"agent-{n}", merchant_id=merchant, role=Role.AGENT)

    def customer(i: int) -> Principal:
        merchant = picks[i][0]
        return Principal(
            user_id=customers[merchant][i % len(customers[merchant])][0], merchant_id=merchant, role=Role.CUSTOMER
        )

    def customer_word(i: int) -> str:
        merchant = picks[i][0]
        return customers[merchant][i % len(customers[merchant])][1]

    queue = TicketFilter(statuses=["assigned", "in_progress"])
    by_due = Sort("sla_due", descending=False)
    newest = Sort("created", descending=True)

    async def service_queue(i: int) -> Any:
        me = agent(i)
        page = await service.list_tickets(
            sessions, me, TicketFilter(**{**queue.__dict__, "assignee_id": me.user_id}), by_due, 50, None
        )
        return page.items

    async def bare_queue(i: int) -> Any:
        me = agent(i)
        async with pool.acquire() as conn:
            return (await conn.fetch(BARE_QUEUE, me.merchant_id, me.user_id))[:50]

    async def pk_lookup(i: int) -> Any:
        merchant, ticket_id = ids[i % len(ids)]
        async with pool.acquire() as conn:
            return await conn.fetch("SELECT * FROM tickets WHERE merchant_id = $1 AND id = $2", merchant, ticket_id)

    async def service_customer_search(i: int) -> Any:
        return (
            await service.list_tickets(sessions, customer(i), TicketFilter(text=customer_word(i)), newest, 50, None)
        ).items

    async def bare_customer_search(i: int) -> Any:
        who = customer(i)
        async with pool.acquire() as conn:
            return (await conn.fetch(BARE_SEARCH, who.merchant_id, who.user_id, customer_word(i)))[:50]

    async def service_staff_search(i: int) -> Any:
        query = TicketFilter(text=words[i], search_internal=False)
        return (await service.list_tickets(sessions, agent(i), query, newest, 50, None)).items

    async def service_staff_search_notes(i: int) -> Any:
        query = TicketFilter(text=words[i], search_internal=True)
        return (await service.list_tickets(sessions, agent(i), query, newest, 50, None)).items

    async def bare_staff_search(i: int) -> Any:
        async with pool.acquire() as conn:
            return (await conn.fetch(BARE_STAFF_SEARCH, picks[i][0], words[i]))[:50]

    results = []
    for name, call in [
        ("baseline: primary-key lookup (bare SQL)", pk_lookup),
        ("agent queue, bare SQL", bare_queue),
        ("agent queue, service code path", service_queue),
        ("customer search, bare SQL", bare_customer_search),
        ("customer search, service code path", service_customer_search),
        ("agent search (public), bare SQL", bare_staff_search),
        ("agent search (public), service code path", service_staff_search),
        ("agent search (+internal notes), service", service_staff_search_notes),
    ]:
        results.append(await measure(name, runs, call))
    async with pool.acquire() as conn:
        me = agent(0)
        plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + BARE_QUEUE, me.merchant_id, me.user_id)
    print("\nplan of the agent queue query:")
    print("\n".join("  " + r[0] for r in plan))
    await pool.close()
    await engine.dispose()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--merchants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the database (to look at plans, or to --reuse)")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure again on a database kept by --keep")
    args = parser.parse_args()

    name = args.reuse or f"bench_queue_{secrets.token_hex(4)}"
    admin = admin_url()
    dsn = make_url(admin).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    print(f"queue-view benchmark: {args.tickets:,} tickets, {args.merchants} merchants, database {name}")
    try:
        if not args.reuse:
            started = time.perf_counter()
            await migrate(dsn, MIGRATIONS)
            print(f"  migrated with the real tickets migrations in {time.perf_counter() - started:.1f}s")
            started = time.perf_counter()
            await seed(dsn.replace("postgresql+asyncpg://", "postgresql://"), args.tickets, args.merchants)
            print(f"  seeding took {time.perf_counter() - started:.1f}s in all")
        results = await run_queries(dsn, args.merchants, args.runs)
    finally:
        conn = await asyncpg.connect(admin)
        try:
            if not (args.keep or args.reuse):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
    print(f"\n{'query (' + str(args.runs) + ' runs each, sequential)':<46} {'p50 ms':>8} {'p99 ms':>8} {'rows':>5}")
    for label, p50, p99, rows in results:
        print(f"{label:<46} {p50:8.2f} {p99:8.2f} {rows:5d}")
    queue_p99 = next(p99 for label, _, p99, _ in results if label == "agent queue, service code path")
    print(f"\nagent queue p99 through the service: {queue_p99:.2f} ms (goal: <= 25 ms)")


if __name__ == "__main__":
    asyncio.run(main())
