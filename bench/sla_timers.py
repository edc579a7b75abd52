"""SLA timers at scale: the SLA timer worker against a bare PostgreSQL due-time loop, measured in one run.

For 10k and then 1M pending running clocks (bulk-loaded with generate_series, not through the API), `--rate`
deadlines a second come due for `--seconds`. The real worker claims due tickets, loads their clocks, policies and
timers, runs the domain (the breach and its sla.clock_changed; the L2 step of the ladder two seconds later, once the
ladder's settle has passed), writes clocks, timers and outbox rows. The bare loop claims 500 due rows with SKIP
LOCKED, marks them fired and inserts outbox rows. Prints lateness of firing
(fired_at - due_at) p50/p99/max, the database time per wake (wall time of the round minus the process's CPU time),
and business-time additions per second in one process. Never pass/fail.

    uv run python bench/sla_timers.py [--seconds 60] [--rate 1000] [--clocks 1000000] [--small 10000] [--warmup 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time as wall, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sla_load import load_bare, load_bare_due, load_configuration, load_due_clocks, load_pending_clocks

from helpdesk_servicekit.db import make_engine, migrate
from helpdesk_sla.domain import BusinessCalendar, add_business_seconds, policy as sla_policy
from helpdesk_sla.main import MIGRATIONS
from helpdesk_sla.timers.engine import PLANNER_SETTINGS, RoundStats, TimerEngine

ADMIN = os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def lead(due: int) -> timedelta:
    """Time allowed for loading the due clocks before the first comes due (they load at ~10k a second here)."""
    return timedelta(seconds=5 + due / 4000)


BARE_BATCH = 500


@dataclass
class Run:
    """What one engine did against one pending-clock count."""

    lateness_ms: list[float] = field(default_factory=list)
    wakes: list[tuple[int, float, float]] = field(default_factory=list)  # (deadlines, wall s, db s) per wake
    idle_wakes: int = 0
    fired: int = 0

    def wake_round(self, deadlines: int, wall_seconds: float, cpu_seconds: float, worked: bool | None = None) -> None:
        self.fired += deadlines
        if deadlines if worked is None else worked:
            self.wakes.append((deadlines, wall_seconds, max(0.0, wall_seconds - cpu_seconds)))
        else:
            self.idle_wakes += 1


def db_url(name: str) -> str:
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def run_sla(conn: asyncpg.Connection, url: str, pending: int, args: argparse.Namespace) -> Run:
    due = args.rate * args.seconds
    started = time.perf_counter()
    await load_pending_clocks(conn, pending)
    first_due = datetime.now(UTC) + lead(due)
    await load_due_clocks(conn, pending, due, first_due, args.rate)
    print(f"  sla: loaded {pending:,} pending + {due:,} due clocks in {time.perf_counter() - started:.0f}s", flush=True)
    assert datetime.now(UTC) < first_due, "loading the due clocks took longer than lead() allows"

    run = Run()
    engine = make_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1), pool_size=4)

    def on_round(stats: RoundStats) -> None:  # a deadline is a breach (its clock_changed and L2 step follow)
        run.wake_round(stats.events["sla.breached"], stats.seconds, stats.cpu_seconds, worked=stats.tickets > 0)

    worker = TimerEngine(engine, listen_dsn=url, batch_size=500, max_sleep=1.0, lanes=args.lanes, on_round=on_round)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    await until(run, due, first_due, args)
    stop.set()
    await task
    await engine.dispose()
    rows = await conn.fetch(
        "SELECT extract(epoch FROM (envelope->>'occurred_at')::timestamptz"
        " - (envelope->'payload'->>'due_at')::timestamptz) * 1000 AS ms FROM outbox WHERE event_type = 'sla.breached'"
    )
    run.lateness_ms = [float(row["ms"]) for row in rows]
    return run


async def run_bare(conn: asyncpg.Connection, url: str, pending: int, args: argparse.Namespace) -> Run:
    due = args.rate * args.seconds
    started = time.perf_counter()
    await load_bare(conn, pending)
    first_due = datetime.now(UTC) + lead(due)
    await load_bare_due(conn, due, first_due, args.rate)
    print(f"  bare: loaded {pending:,} pending + {due:,} due rows in {time.perf_counter() - started:.0f}s", flush=True)

    run, stop = Run(), asyncio.Event()
    worker = await asyncpg.connect(url)
    for setting in PLANNER_SETTINGS:  # the same session settings as the SLA worker's, for a fair comparison
        await worker.execute(f"SET {setting}")

    async def loop() -> None:
        while not stop.is_set():
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            async with worker.transaction():
                fired = await worker.fetch(
                    "WITH due AS (SELECT id FROM bare_timers WHERE fired_at IS NULL AND fire_at <= $1"
                    " ORDER BY fire_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
                    " UPDATE bare_timers t SET fired_at = clock_timestamp() FROM due WHERE t.id = due.id"
                    " RETURNING t.id, t.fire_at",
                    datetime.now(UTC),
                    BARE_BATCH,
                )
                if fired:
                    await worker.execute(
                        "INSERT INTO bare_outbox (timer_id, payload)"
                        " SELECT id, jsonb_build_object('timer', id, 'due_at', fire_at)"
                        " FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, fire_at)",
                        [row["id"] for row in fired],
                        [row["fire_at"] for row in fired],
                    )
                next_at = await worker.fetchval("SELECT min(fire_at) FROM bare_timers WHERE fired_at IS NULL")
            run.wake_round(len(fired), time.perf_counter() - wall_start, time.process_time() - cpu_start)
            if len(fired) == BARE_BATCH:
                continue
            sleep = 1.0 if next_at is None else min(1.0, (next_at - datetime.now(UTC)).total_seconds())
            if sleep > 0:
                try:
                    await asyncio.wait_for(stop.wait(), sleep)
                except TimeoutError:
                    pass

    task = asyncio.create_task(loop())
    await until(run, due, first_due, args)
    stop.set()
    await task
    await worker.close()
    rows = await conn.fetch(
        "SELECT extract(epoch FROM fired_at - fire_at) * 1000 AS ms FROM bare_timers WHERE fired_at IS NOT NULL"
    )
    run.lateness_ms = [float(row["ms"]) for row in rows]
    return run


async def until(run: Run, due: int, first_due: datetime, args: argparse.Namespace) -> None:
    """Wait for the window to pass and every due deadline to fire (or a minute's grace to run out); counts what
    the worker reports rather than querying, so the bench itself puts no load on the database meanwhile."""
    deadline = first_due + timedelta(seconds=args.seconds + 60)
    await asyncio.sleep(max(0.0, (first_due - datetime.now(UTC)).total_seconds() + args.seconds))
    while True:
        if run.fired >= due or datetime.now(UTC) > deadline:
            return
        await asyncio.sleep(0.25)


def business_time_rate(seconds: float = 3.0) -> tuple[float, float]:
    """Additions per second: a Berlin office calendar with a lunch break and holidays, and 24/7."""
    office = BusinessCalendar.from_weekly(
        "Europe/Berlin",
        {day: [(wall(9), wall(12, 30)), (wall(13, 30), wall(17, 30))] for day in range(5)},
        holidays=[date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 12, 25), date(2025, 12, 26)],
    )
    rng = random.Random(7)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    work = [
        (base + timedelta(seconds=rng.randrange(365 * 86400)), rng.choice([900, 3600, 4 * 3600, 8 * 3600, 3 * 86400]))
        for _ in range(10_000)
    ]
    rates = []
    for calendar in (office, BusinessCalendar.twenty_four_seven()):
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for start, target in work[:1000]:
                add_business_seconds(calendar, start, target)
            done += 1000
            work = work[1000:] + work[:1000]
        rates.append(done / (time.perf_counter() - started))
    return rates[0], rates[1]


def report(results: dict[tuple[str, int], Run], sizes: list[int], args: argparse.Namespace) -> None:
    columns = [(engine, size) for size in sizes for engine in ("sla", "bare")]
    print()
    print(f"SLA timers: {args.rate:,} deadlines/s come due for {args.seconds}s ({args.rate * args.seconds:,} per run)")
    print(f"ladder settle after a breach: {sla_policy.ESCALATION_SETTLE_SECONDS:g}s")
    header = "".join(f"{engine + ' @ ' + human(size):>16}" for engine, size in columns)
    print(f"{'':32}{header}")

    def row(label: str, value: Callable[[Run], float | int], fmt: str = "{:>16.1f}") -> None:
        print(f"{label:32}" + "".join(fmt.format(value(results[c])) for c in columns))

    row("fired", lambda r: len(r.lateness_ms), "{:>16,}")
    row("lateness p50 (ms)", lambda r: percentile(r.lateness_ms, 0.50))
    row("lateness p99 (ms)", lambda r: percentile(r.lateness_ms, 0.99))
    row("lateness max (ms)", lambda r: max(r.lateness_ms, default=float("nan")))
    row("wakes with work", lambda r: len(r.wakes), "{:>16,}")
    row("idle wakes", lambda r: r.idle_wakes, "{:>16,}")
    row("deadlines per wake (mean)", lambda r: statistics.fmean(w[0] for w in r.wakes) if r.wakes else 0)
    row("wall per wake p50 (ms)", lambda r: percentile([w[1] * 1000 for w in r.wakes], 0.5))
    row("DB per wake mean (ms)", lambda r: statistics.fmean(w[2] * 1000 for w in r.wakes) if r.wakes else 0)
    row("DB per wake p99 (ms)", lambda r: percentile([w[2] * 1000 for w in r.wakes], 0.99))
    row("DB per 100 deadlines (ms)", lambda r: 100_000 * per_timer(r))
    small, large = results[("sla", sizes[0])], results[("sla", sizes[-1])]
    ratio = per_timer(large) / per_timer(small) if per_timer(small) else float("nan")
    print()
    print(f"goal p99 lateness <= 100 ms at {human(sizes[-1])}: {percentile(large.lateness_ms, 0.99):.1f} ms")
    print(f"goal DB cost per deadline at {human(sizes[-1])} within 1.5x of {human(sizes[0])}: {ratio:.2f}x")


def per_timer(run: Run) -> float:
    return sum(w[2] for w in run.wakes) / max(1, sum(w[0] for w in run.wakes))


def human(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=int, default=60, help="how long deadlines keep coming due")
    parser.add_argument("--rate", type=int, default=1000, help="deadlines coming due per second")
    parser.add_argument("--clocks", type=int, default=1_000_000, help="pending running clocks, large run")
    parser.add_argument("--small", type=int, default=10_000, help="pending running clocks, small run")
    parser.add_argument("--lanes", type=int, default=1, help="timer rounds in flight (the service's default: 1)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unreported firing first (0: none)")
    parser.add_argument(
        "--settle",
        type=float,
        default=None,
        help="the ladder's settle after a breach (default: the service's; 0 fires L2 in the breach's round)",
    )
    args = parser.parse_args()
    if args.settle is not None:  # a bench-only knob: the domain reads the module's value when it plans
        sla_policy.ESCALATION_SETTLE_SECONDS = args.settle

    name = f"sla_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = db_url(name)
    try:
        await migrate(url.replace("postgresql://", "postgresql+asyncpg://", 1), MIGRATIONS)
        conn = await asyncpg.connect(url)
        print(f"PostgreSQL {await conn.fetchval('SHOW server_version')}, {os.cpu_count()} CPUs, database {name}")
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        await load_configuration(conn)
        sizes = [args.small, args.clocks]
        if args.warmup:
            print("warming up (not reported):", flush=True)
            warmup = argparse.Namespace(**vars(args) | {"seconds": args.warmup})
            await run_sla(conn, url, args.small, warmup)
            await run_bare(conn, url, args.small, warmup)
        results: dict[tuple[str, int], Run] = {}
        for size in sizes:
            print(f"{human(size)} pending:", flush=True)
            results[("sla", size)] = await run_sla(conn, url, size, args)
            results[("bare", size)] = await run_bare(conn, url, size, args)
        await conn.close()
        report(results, sizes, args)
        loads = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average at end: {loads} (other work on the host skews every figure)")
        office, always = business_time_rate()
        print(f"business-time additions/s, one process: {office:,.0f} (office hours, Berlin) | {always:,.0f} (24/7)")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
