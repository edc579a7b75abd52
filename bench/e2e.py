"""End to end: the whole system under a fixed rate of new tickets, beside the bare baselines. Never pass/fail.

Boots the six services as `make up` does (topology first; fresh databases and an AMQP namespace of this run's
own, all removed at the end), seeds a merchant (24/7 calendar, SLA policy, agents online holding WebSockets to
notify), then creates tickets open-loop at each rate in turn (default 10, 50, 100, 200 per second, one minute
each) and prints per step, all latencies measured from each request's due time on one clock:

- create → assigned: `ticket.assigned` seen on the exchange (the tickets service recorded routing's choice and
  its relay published it; `routing.assignment_decided` is in the JSON too);
- create → SLA clocks started: the ticket's first `sla.clock_changed` seen on the exchange;
- create → notified: the `assigned_to_you` frame arriving on the assignee's WebSocket;
- the backlog: unpublished outbox rows (all services) and ready messages in the consumer queues, sampled
  every second; the highest rate whose backlog did not grow is the one sustained.

In the same run (the system stopped by then) it measures the baselines at the same rates: bare FastAPI + asyncpg
insert (bench/_bare_app.py) and a raw aio-pika publish→consume round trip, and prints each figure's ratio to its
floor. Writes bench/results/e2e.json and bench/results/e2e.md.

    uv run --no-sync python bench/e2e.py [--step-seconds 60] [--rates 10,50,100,200] [--agents 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _baselines import PAYLOAD, amqp_round_trip, bare_http
from _load import HttpPool, fixed_rate
from _observe import AgentSockets, Backlog, EventClock
from _report import Step, markdown, summary, table
from _system import ADMIN, AMQP, SERVICES, Merchant, System, booted, db_url, seed

RESULTS = Path(__file__).resolve().parent / "results"
PG_PORT = urlsplit(ADMIN).port or 5432
AMQP_PORT = urlsplit(AMQP).port or 5672


def note(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listener_tree(port: int) -> list[int]:
    """The process listening on 127.0.0.1:port (PostgreSQL's postmaster, RabbitMQ's beam) and its children."""
    inode = next(
        (line.split()[9] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
         if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"),
        None,
    )  # fmt: skip
    if inode is None:
        return []
    owner = None
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(link.readlink().name == f"socket:[{inode}]" for link in fd_dir.iterdir()):
                owner = int(fd_dir.parent.name)
                break
        except OSError:
            continue
    if owner is None:
        return []
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == owner:
                children.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return [owner, *children]


def tree_cpu(port: int) -> dict[int, float]:
    """CPU seconds so far of each process of the server listening on `port` (a backend that ended is skipped)."""
    seconds = {}
    for pid in listener_tree(port):
        try:
            seconds[pid] = cpu_seconds(pid)
        except OSError:
            continue
    return seconds


def cpu_snapshot(system: System) -> dict[str, dict[int, float]]:
    snapshot = {s: {system.pid(s): cpu_seconds(system.pid(s))} for s in SERVICES}
    snapshot["bench"] = {os.getpid(): cpu_seconds(os.getpid())}
    snapshot["postgresql"] = tree_cpu(PG_PORT)
    snapshot["rabbitmq"] = tree_cpu(AMQP_PORT)
    return snapshot


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds per process group between two snapshots (a process born meanwhile counts whole)."""
    return {name: sum(t - before[name].get(pid, 0.0) for pid, t in tree.items()) for name, tree in after.items()}


async def idle_cpu(system: System, seconds: float) -> float:
    """Cores the system's servers use with no load (polling loops, timers, heartbeats)."""
    before = cpu_snapshot(system)
    await asyncio.sleep(seconds)
    used = cpu_used(before, cpu_snapshot(system))
    return sum(v for k, v in used.items() if k != "bench") / seconds


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


async def run_step(
    rate: float,
    seconds: float,
    drain_seconds: float,
    system: System,
    merchant: Merchant,
    pool: HttpPool,
    clock: EventClock,
    sockets: AgentSockets,
    backlog: Backlog,
    idle_cpu_per_second: float = 0.0,
) -> Step:
    step = Step(rate=rate, seconds=seconds, load_before=os.getloadavg()[0])
    last = 0.0
    headers = merchant.customer_headers

    async def send(i: int, due: float) -> None:
        nonlocal last
        try:
            status, body = await pool.post("/v1/tickets", PAYLOAD, headers[i % len(headers)])
        except OSError as exc:
            step.errors.append(repr(exc))
            return
        done = time.monotonic()
        last = max(last, done)
        if status == 201:
            step.created[json.loads(body)["id"]] = due
            step.http.append(done - due)
        else:
            step.errors.append(f"{status} {body[:200]!r}")

    events_before = dict(clock.counts)
    cpu_before = cpu_snapshot(system)
    busy_before = machine_busy()
    started = await fixed_rate(rate, seconds, send)
    step.load_seconds = last - started
    cpu_loaded = cpu_snapshot(system)
    busy_after = machine_busy()
    step.cpu = {name: used / step.load_seconds for name, used in cpu_used(cpu_before, cpu_loaded).items()}
    step.machine_busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    step.load_after = os.getloadavg()[0]
    step.samples = backlog.between(started, last)
    # Drain: every ticket of the step reaches all three milestones, and the backlog empties (or time runs out).
    deadline = time.monotonic() + drain_seconds
    while time.monotonic() < deadline:
        latest = backlog.samples[-1]
        if step.missing(clock, sockets) == 0 and latest.at > last and latest.total == 0:
            break
        await asyncio.sleep(0.5)
    step.drain_seconds = time.monotonic() - last
    # Everything the step's tickets cost, load and drain, on every server process (not the bench's own).
    used = cpu_used(cpu_before, cpu_snapshot(system))
    step.cpu_seconds_total = sum(v for k, v in used.items() if k != "bench")
    step.cpu_seconds_idle = idle_cpu_per_second * (time.monotonic() - started)
    step.events = {k: n - events_before.get(k, 0) for k, n in clock.counts.items() if n > events_before.get(k, 0)}
    step.collect(clock, sockets)
    return step


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    rates = [float(r) for r in args.rates.split(",")]
    # Six services share one PostgreSQL server (100 connections by default) with other users: small pools.
    env = {"HELPDESK_DB_POOL_SIZE": str(args.db_pool_size)}
    if args.prefetch:
        env["HELPDESK_AMQP_PREFETCH"] = str(args.prefetch)
    out: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "step_seconds": args.step_seconds,
        "agents": args.agents,
        "cpus": os.cpu_count(),
        "env": env,
        "load_average_start": os.getloadavg(),
        "note": args.note,
        "servers": {"postgresql": f"127.0.0.1:{PG_PORT}", "rabbitmq": f"127.0.0.1:{AMQP_PORT}"},
    }
    steps: list[Step] = []
    note("booting the six services")
    async with booted(env) as system:
        note(f"ready; seeding {args.agents} agents (logs in {system.log_dir})")
        merchant = await seed(system, agents=args.agents, capacity=args.capacity, customers=args.customers)
        dsns = {s: db_url(system.databases[s]) for s in SERVICES}
        async with (
            EventClock(AMQP, system.namespace) as clock,
            AgentSockets(system.ports["notify"], merchant.agent_tokens) as sockets,
            Backlog(dsns, AMQP, system.queues()) as backlog,
        ):
            pool = HttpPool(system.ports["tickets"])
            observers = (system, merchant, pool, clock, sockets, backlog)
            note("agents online with their sockets; warming up")
            await run_step(10, 2, 30, *observers)  # warm-up: connections, caches, the first JIT-less paths
            idle = await idle_cpu(system, 5.0)
            out["idle_cpu_share_of_a_core"] = round(idle, 3)
            note(f"the idle system uses {idle:.2f} of a core; load steps follow")
            for rate in rates:
                step = await run_step(rate, args.step_seconds, max(30.0, args.step_seconds), *observers, idle)
                steps.append(step)
                print(summary(step), flush=True)
            await pool.close()
            note("stopping the system")
            out["websocket_closed"] = sockets.closed
        out["logs"] = str(system.log_dir)
    note("baselines: bare FastAPI + asyncpg, then aio-pika round trip, at the same rates")
    baseline_seconds = min(args.step_seconds, args.baseline_seconds)
    http = await bare_http(rates, baseline_seconds)
    note("baseline: aio-pika round trip")
    amqp = await amqp_round_trip(rates, baseline_seconds)
    out["load_average_end"] = os.getloadavg()
    out["steps"] = [s.as_dict(http[s.rate], amqp[s.rate]) for s in steps]
    out["baselines"] = {
        "seconds_per_rate": baseline_seconds,
        "bare_http": [http[r].as_dict() for r in rates],
        "amqp_round_trip": [amqp[r].as_dict() for r in rates],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--rates", default="10,50,100,200", help="tickets per second, one step each")
    parser.add_argument("--baseline-seconds", type=float, default=20, help="per rate, for each baseline")
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--capacity", type=int, default=1000, help="max concurrent tickets per agent")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--db-pool-size", type=int, default=4, help="HELPDESK_DB_POOL_SIZE for every service")
    parser.add_argument("--prefetch", type=int, default=0, help="HELPDESK_AMQP_PREFETCH for every service")
    parser.add_argument("--out", default=str(RESULTS / "e2e"), help="writes <out>.json and <out>.md")
    parser.add_argument("--note", default="", help="a line about the environment, kept with the results")
    parser.add_argument("--render", metavar="JSON", help="only print and rewrite the Markdown of an earlier run")
    args = parser.parse_args()
    if args.render:
        result = json.loads(Path(args.render).read_text())
        print(table(result))
        Path(args.render).with_suffix(".md").write_text(markdown(result))
        return
    result = asyncio.run(measure(args))
    print(table(result))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
    print(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
