"""Routing at scale: decision time per ticket and the drain rate of the waiting queue, each beside a bare
PostgreSQL baseline measured in the same run.

5,000 online agents in 200 groups (25 each, mixed skills and tiers, caps 3-8) of one merchant, 200 rules (one per
category, strategies round_robin / least_loaded / skill_based in turn). Decision: `--tickets` ticket.created events
through routing's real consumer path (inbox, projection, rules, strategy, the atomic slot take, outbox, commit),
one at a time, timed each. Baseline: one transaction per ticket that picks the least-loaded online agent of the
group under its cap with SELECT ... FOR UPDATE SKIP LOCKED, bumps its load and writes an event row.
Drain: 10,000 tickets waiting across the groups, every agent offline with cap 2; then all 5,000 agents come online
through routing's status use case (`--workers` at once), each taking waiting tickets highest priority first, then
oldest. Baseline: the same with a bare loop (SKIP LOCKED pick of the best waiting ticket of the agent's group,
assign, bump load). Prints figures; never pass/fail.

    uv run python bench/routing.py [--tickets 2000] [--queued 10000] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import text

from helpdesk_contracts import Role, make_envelope
from helpdesk_contracts.tickets import TicketCreated, TicketSnapshot
from helpdesk_routing.assignment.consumers import consumers
from helpdesk_routing.directory import service as directory
from helpdesk_routing.main import MIGRATIONS
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import make_engine, make_session_factory, migrate

ADMIN = os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MERCHANT = "bench"
GROUPS, PER_GROUP = 200, 25
SKILLS = ("german", "french", "billing", "returns", "hardware", "vip")
PRIORITIES = ("low", "normal", "high", "urgent")
STRATEGIES = ("round_robin", "least_loaded", "skill_based")


def db_url(name: str) -> str:
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def group_id(g: int) -> uuid.UUID:
    return uuid.UUID(int=g + 1)


def category_id(g: int) -> uuid.UUID:
    return uuid.UUID(int=10_000 + g)


async def load_directory(conn: asyncpg.Connection, rng: random.Random) -> None:
    """200 groups, 5,000 online agents (25 per group), 200 rules: bulk-loaded, not through the API."""
    await conn.copy_records_to_table(
        "routing_groups",
        records=[(MERCHANT, group_id(g), f"group {g:03}", 1, g == 0) for g in range(GROUPS)],
        columns=["merchant_id", "id", "name", "tier", "is_default"],
    )
    agents, members = [], []
    for g in range(GROUPS):
        for k in range(PER_GROUP):
            agent_id = f"agent-{g:03}-{k:02}"
            skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(1, 3))}
            agents.append((MERCHANT, agent_id, agent_id, rng.choice((1, 1, 1, 2, 3)), json.dumps(skills),
                           rng.randint(3, 8), "online"))
            members.append((MERCHANT, group_id(g), agent_id))
    await conn.copy_records_to_table(
        "routing_agents", records=agents,
        columns=["merchant_id", "user_id", "name", "tier", "skills", "max_concurrent_tickets", "status"],
    )
    await conn.copy_records_to_table(
        "routing_memberships", records=members, columns=["merchant_id", "group_id", "agent_id"]
    )
    rules = []
    for g in range(GROUPS):
        strategy = STRATEGIES[g % 3]
        conditions = json.dumps({"category_ids": [str(category_id(g))]})
        rules.append((MERCHANT, uuid.uuid4(), g * 10, f"category {g}", conditions, group_id(g), strategy))
    await conn.copy_records_to_table(
        "routing_rules", records=rules,
        columns=["merchant_id", "id", "position", "name", "conditions", "group_id", "strategy"],
    )
    await conn.execute("ANALYZE")


def a_ticket(rng: random.Random, created_at: datetime) -> TicketCreated:
    g = rng.randrange(GROUPS)
    snapshot = TicketSnapshot(
        ticket_id=uuid.uuid4(), number=1, customer_id="c", subject="Where is my parcel?", status="new",  # type: ignore[arg-type]
        priority=rng.choice(PRIORITIES), category_id=category_id(g),  # type: ignore[arg-type]
        tags=rng.sample(SKILLS, 1), created_at=created_at, ticket_version=1,
    )
    return TicketCreated(ticket=snapshot)


async def decisions(sessions: object, rng: random.Random, count: int) -> tuple[list[float], float]:
    """Per-ticket wall times (ms) and this process's CPU time per ticket (ms)."""
    timings, cpu = [], 0.0
    for i in range(count + 100):
        payload = a_ticket(rng, datetime.now(UTC))
        envelope = make_envelope(payload, merchant_id=MERCHANT, producer="tickets")
        started, cpu_started = time.perf_counter(), time.process_time()
        await consumers.apply(sessions, envelope, payload)  # type: ignore[arg-type]
        if i >= 100:  # warm-up
            timings.append((time.perf_counter() - started) * 1000)
            cpu += (time.process_time() - cpu_started) * 1000
    return timings, cpu / count


BARE_PICK = """
WITH pick AS (
    SELECT a.user_id FROM routing_memberships ms JOIN routing_agents a
      ON a.merchant_id = ms.merchant_id AND a.user_id = ms.agent_id
     WHERE ms.merchant_id = $1 AND ms.group_id = $2 AND a.status = 'online' AND a.load < a.max_concurrent_tickets
     ORDER BY a.load, a.last_assigned_at NULLS FIRST LIMIT 1 FOR UPDATE OF a SKIP LOCKED)
UPDATE routing_agents a SET load = load + 1, last_assigned_at = now() FROM pick
 WHERE a.merchant_id = $1 AND a.user_id = pick.user_id RETURNING a.user_id
"""


async def bare_decisions(pool: asyncpg.Pool, rng: random.Random, count: int) -> tuple[list[float], float]:
    timings, cpu = [], 0.0
    async with pool.acquire() as conn:
        for i in range(count + 100):
            g = rng.randrange(GROUPS)
            started, cpu_started = time.perf_counter(), time.process_time()
            async with conn.transaction():
                agent = await conn.fetchval(BARE_PICK, MERCHANT, group_id(g))
                await conn.execute(
                    "INSERT INTO bare_events (agent_id, ticket_id, body) VALUES ($1, $2, $3)",
                    agent, uuid.uuid4(), json.dumps({"agent": agent}),
                )
            if i >= 100:
                timings.append((time.perf_counter() - started) * 1000)
                cpu += (time.process_time() - cpu_started) * 1000
    return timings, cpu / count


async def prepare_drain(conn: asyncpg.Connection, rng: random.Random, queued: int) -> None:
    """Everyone offline with nothing on them and cap 2; `queued` tickets waiting across the groups."""
    await conn.execute("UPDATE routing_tickets SET queued_at = NULL, assignee_id = NULL, status = 'closed'")
    await conn.execute("UPDATE routing_agents SET status = 'offline', load = 0, max_concurrent_tickets = 2")
    now = datetime.now(UTC)
    rows = []
    for i in range(queued):
        g = rng.randrange(GROUPS)
        priority = rng.choice(PRIORITIES)
        rows.append((
            MERCHANT, uuid.uuid4(), 1, "new", priority, PRIORITIES.index(priority), category_id(g), [], 1,
            group_id(g), "least_loaded", "[]", 1, now, now - timedelta(seconds=queued - i),
        ))
    await conn.copy_records_to_table(
        "routing_tickets", records=rows,
        columns=["merchant_id", "ticket_id", "ticket_version", "status", "priority", "priority_rank", "category_id",
                 "tags", "escalation_level", "group_id", "strategy", "required_skills", "min_tier", "queued_at",
                 "ticket_created_at"],
    )
    await conn.execute("ANALYZE routing_tickets")


async def drain(sessions: object, workers: int) -> tuple[int, float]:
    agents = [f"agent-{g:03}-{k:02}" for g in range(GROUPS) for k in range(PER_GROUP)]
    pending: asyncio.Queue[str] = asyncio.Queue()
    for agent_id in agents:
        pending.put_nowait(agent_id)

    async def worker() -> None:
        while not pending.empty():
            agent_id = pending.get_nowait()
            principal = Principal(user_id=agent_id, merchant_id=MERCHANT, role=Role.AGENT)
            await directory.set_status(sessions, principal, agent_id, "online")  # type: ignore[arg-type]

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return len(agents), time.perf_counter() - started


BARE_DRAIN_PICK = """
SELECT ticket_id FROM routing_tickets WHERE merchant_id = $1 AND group_id = $2 AND queued_at IS NOT NULL
 ORDER BY priority_rank DESC, ticket_created_at, ticket_id LIMIT 1 FOR UPDATE SKIP LOCKED
"""


async def bare_drain(pool: asyncpg.Pool, workers: int) -> float:
    agents = [(f"agent-{g:03}-{k:02}", group_id(g)) for g in range(GROUPS) for k in range(PER_GROUP)]
    pending: asyncio.Queue[tuple[str, uuid.UUID]] = asyncio.Queue()
    for agent in agents:
        pending.put_nowait(agent)

    async def worker() -> None:
        async with pool.acquire() as conn:
            while not pending.empty():
                agent_id, group = pending.get_nowait()
                async with conn.transaction():
                    await conn.execute(
                        "UPDATE routing_agents SET status = 'online' WHERE merchant_id = $1 AND user_id = $2",
                        MERCHANT, agent_id,
                    )
                    for _ in range(2):
                        ticket = await conn.fetchval(BARE_DRAIN_PICK, MERCHANT, group)
                        if ticket is None:
                            break
                        await conn.execute(
                            "UPDATE routing_tickets SET queued_at = NULL, assignee_id = $3"
                            " WHERE merchant_id = $1 AND ticket_id = $2", MERCHANT, ticket, agent_id,
                        )
                        await conn.execute(
                            "UPDATE routing_agents SET load = load + 1 WHERE merchant_id = $1 AND user_id = $2",
                            MERCHANT, agent_id,
                        )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - started


async def assigned_count(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval(
        "SELECT count(*) FROM routing_tickets WHERE merchant_id = $1 AND status = 'new' AND assignee_id IS NOT NULL",
        MERCHANT,
    ))


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(10)
    name = f"bench_routing_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = db_url(name)
    engine = None
    try:
        await migrate(url.replace("postgresql://", "postgresql+asyncpg://", 1), MIGRATIONS)
        conn = await asyncpg.connect(url)
        pool = await asyncpg.create_pool(url, min_size=args.workers, max_size=args.workers)
        await conn.execute("CREATE TABLE bare_events (id bigserial PRIMARY KEY, agent_id text, ticket_id uuid,"
                           " body jsonb)")
        await load_directory(conn, rng)
        engine = make_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1), args.workers)
        sessions = make_session_factory(engine)
        print(f"routing bench: {GROUPS * PER_GROUP} online agents in {GROUPS} groups, {GROUPS} rules")

        ours, ours_cpu = await decisions(sessions, rng, args.tickets)
        bare, bare_cpu = await bare_decisions(pool, rng, args.tickets)
        print(f"decision per ticket ({args.tickets} tickets, one consumer, each its own committed transaction):")
        print(f"  routing   p50 {statistics.median(ours):6.2f} ms  p99 {pct(ours, 0.99):6.2f} ms"
              f"  (client CPU {ours_cpu:5.2f} ms/ticket; goal p99 <= 10 ms)")
        print(f"  baseline  p50 {statistics.median(bare):6.2f} ms  p99 {pct(bare, 0.99):6.2f} ms"
              f"  (client CPU {bare_cpu:5.2f} ms/ticket; bare SELECT ... FOR UPDATE SKIP LOCKED pick + load bump"
              " + event row)")

        await prepare_drain(conn, rng, args.queued)
        agents, seconds = await drain(sessions, args.workers)
        assigned = await assigned_count(conn)
        left = await conn.fetchval("SELECT count(*) FROM routing_tickets WHERE queued_at IS NOT NULL")
        await prepare_drain(conn, rng, args.queued)
        async with engine.connect() as c:
            await c.execute(text("SELECT 1"))
        bare_seconds = await bare_drain(pool, args.workers)
        bare_assigned = await assigned_count(conn)
        print(f"drain of {args.queued} waiting tickets as {agents} agents (cap 2) come online, {args.workers} at once:")
        print(f"  routing   {assigned} assigned in {seconds:5.2f} s = {assigned / seconds:7.0f} assignments/s"
              f" ({left} still waiting: no agent of their group left with room)  (goal >= 500/s)")
        print(f"  baseline  {bare_assigned} assigned in {bare_seconds:5.2f} s = {bare_assigned / bare_seconds:7.0f}"
              " assignments/s  (bare SKIP LOCKED pick of the best waiting ticket, assign, bump load)")
        await pool.close()
        await conn.close()
    finally:
        if engine is not None:
            await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
