"""Create-ticket throughput, measured from outside: the tickets service against a bare FastAPI + asyncpg insert.

Both are driven by wrk (a compiled load generator, installed from Debian's packages if missing), in alternating
rounds of the same length and connection count, in one run. The tickets service is started exactly as `make up`
starts it (`helpdesk-tickets --role ...`): with `--role all` the outbox relay publishes to RabbitMQ in the same
process; with `--role api` a second process (`--role worker`) publishes, as in a split deployment. The real
endpoint does JWT auth, validation, the ticket number, the ticket, its history row and its outbox row in one
transaction; the bare one inserts a row. Prints req/s, p50 and p99 of each, the ratio per round and the median
ratio (goal ≥ 0.6), the p99 ratio (goal ≤ 2), and the relay's lag (created → published) during the rounds.
Writes bench/results/ticket_create.json. Never pass/fail.

    uv run python bench/ticket_create.py [--rounds 3] [--seconds 10] [--connections 32] [--roles all,api]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from helpdesk_servicekit.devtoken import mint
from helpdesk_servicekit.topology import delete_all

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from _system import db_url, free_port, wait_healthy  # noqa: E402

RESULTS = BENCH_DIR / "results" / "ticket_create.json"
ADMIN = os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("HELPDESK_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
PAYLOAD = {"subject": "The parcel never arrived", "description": "Order 1234, shipped a week ago.", "priority": "high"}

# wrk's script: every request carries one of the customers' tokens; `done` prints one JSON line of figures.
WRK_SCRIPT = """
local tokens = {}
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
local body = [[%(body)s]]
local n = 0
request = function()
  n = n + 1
  local headers = {["Content-Type"] = "application/json"}
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1] end
  return wrk.format("POST", nil, headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p99_ms": %%f, "non_2xx": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing it from Debian's packages")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


def start(cmd: list[str], env: dict[str, str], port: int | None) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if port is not None:
        wait_healthy(port, proc)
    return proc


def wrk(binary: str, url: str, script: Path, connections: int, seconds: float) -> dict[str, Any]:
    out = subprocess.run(
        [binary, "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def line(name: str, f: dict[str, Any]) -> str:
    errors = f["non_2xx"] + f["socket_errors"]
    return f"  {name:<26} {f['rps']:>8.0f} req/s  p50 {f['p50_ms']:6.1f} ms  p99 {f['p99_ms']:6.1f} ms  errors {errors}"


async def relay_lag(dsn: str, since: Any) -> dict[str, Any]:
    """Created → published for the outbox rows written since `since`, once the backlog has drained (≤ 60 s)."""
    conn = await asyncpg.connect(dsn)
    try:
        drained_after = None
        started = time.perf_counter()
        while time.perf_counter() - started < 60:
            pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            if pending == 0:
                drained_after = time.perf_counter() - started
                break
            await asyncio.sleep(0.2)
        row = await conn.fetchrow(
            "SELECT count(*) AS n,"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) AS p50,"
            " percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM published_at - created_at)) AS p99"
            " FROM outbox WHERE created_at >= $1 AND published_at IS NOT NULL",
            since,
        )
        unpublished = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        return {
            "events": row["n"],
            "p50_ms": (row["p50"] or 0) * 1000,
            "p99_ms": (row["p99"] or 0) * 1000,
            "unpublished": unpublished,
            "drained_after_s": drained_after,
        }
    finally:
        await conn.close()


async def db_now(dsn: str) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT now()")
    finally:
        await conn.close()


async def measure_role(
    role: str, args: argparse.Namespace, binary: str, bare_url: str, bare_script: Path, real_script: Path
) -> dict[str, Any]:
    run = secrets.token_hex(3)
    database = f"bench_tickets_{role}_{run}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    port = free_port()
    exe = str(Path(sysconfig.get_path("scripts")) / "helpdesk-tickets")
    env = {
        "HELPDESK_ENV": "dev",
        "HELPDESK_JWT_SECRET": args.secret,
        "HELPDESK_TICKETS_PORT": str(port),
        "HELPDESK_TICKETS_DATABASE_URL": db_url(database),
        "HELPDESK_AMQP_URL": AMQP,
        "HELPDESK_AMQP_NAMESPACE": f"bench{run}.",
        "HELPDESK_HOST": "127.0.0.1",
    }
    procs = [start([exe, "--role", "api" if role == "api" else "all"], env, port)]
    if role == "api":  # the relay in a worker process of its own, as a split deployment runs it
        procs.append(start([exe, "--role", "worker"], env | {"HELPDESK_TICKETS_PORT": str(free_port())}, None))
    real_url = f"http://127.0.0.1:{port}/v1/tickets"
    try:
        wrk(binary, bare_url, bare_script, 4, 2)  # warm-up, both
        wrk(binary, real_url, real_script, 4, 2)
        since = await db_now(db_url(database))
        rounds = []
        for index in range(args.rounds):
            order = ("bare", "real") if index % 2 == 0 else ("real", "bare")
            figures: dict[str, dict[str, Any]] = {}
            for which in order:
                url, script = (bare_url, bare_script) if which == "bare" else (real_url, real_script)
                figures[which] = wrk(binary, url, script, args.connections, args.seconds)
            ratio = figures["real"]["rps"] / figures["bare"]["rps"]
            p99_ratio = figures["real"]["p99_ms"] / figures["bare"]["p99_ms"]
            rounds.append({**figures, "ratio": ratio, "p99_ratio": p99_ratio})
            print(f" round {index + 1}:")
            print(line("bare FastAPI + asyncpg", figures["bare"]))
            print(line(f"POST /v1/tickets ({role})", figures["real"]))
            print(f"  ratio {ratio:.2f} (goal ≥ 0.60)   p99 ratio {p99_ratio:.2f} (goal ≤ 2)")
        lag = await relay_lag(db_url(database), since)
        median = statistics.median(r["ratio"] for r in rounds)
        median_p99 = statistics.median(r["p99_ratio"] for r in rounds)
        print(f" --role {role}: median ratio {median:.2f}, median p99 ratio {median_p99:.2f}")
        print(
            f" relay lag created → published: p50 {lag['p50_ms']:.1f} ms, p99 {lag['p99_ms']:.1f} ms over"
            f" {lag['events']} events; backlog drained {lag['drained_after_s']:.1f} s after the last round"
            if lag["drained_after_s"] is not None
            else f" relay lag: {lag['unpublished']} events still unpublished 60 s after the load"
        )
        return {"rounds": rounds, "median_ratio": median, "median_p99_ratio": median_p99, "relay_lag": lag}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(15)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
        await delete_all(AMQP, f"bench{run}.")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--roles", default="all,api")
    parser.add_argument("--merchants", type=int, default=32, help="customers' tokens spread over this many merchants")
    args = parser.parse_args()
    args.secret = secrets.token_urlsafe(48)
    binary = ensure_wrk()
    run = secrets.token_hex(3)
    bare_db = f"bench_bare_{run}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{bare_db}"')
    tmp = Path(tempfile.mkdtemp(prefix="bench-create-"))
    tokens = tmp / "tokens"
    tokens.write_text(
        "\n".join(
            mint(args.secret, sub=f"cust-{i}", merchant_id=f"m-bench-{i % args.merchants}", role="customer")
            for i in range(max(args.connections, args.merchants))
        )
        + "\n"
    )
    body = json.dumps(PAYLOAD)
    real_script, bare_script = tmp / "real.lua", tmp / "bare.lua"
    real_script.write_text(WRK_SCRIPT % {"tokens": tokens, "body": body})
    (tmp / "none").write_text("")
    bare_script.write_text(WRK_SCRIPT % {"tokens": tmp / "none", "body": body})
    bare_port = free_port()
    bare = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "_bare_app:app",
            "--port",
            str(bare_port),
            "--log-level",
            "warning",
            "--app-dir",
            str(BENCH_DIR),
            "--no-access-log",
        ],
        {"BARE_DSN": db_url(bare_db)},
        bare_port,
    )
    load = os.getloadavg()[0]
    print(
        f"wrk, 1 thread, {args.connections} keep-alive connections, {args.seconds:.0f} s per run, {args.rounds} rounds"
        f" alternating; one server process each; load average at start {load:.1f}"
    )
    results: dict[str, Any] = {
        "connections": args.connections,
        "seconds": args.seconds,
        "load_average_at_start": load,
        "cpus": os.cpu_count(),
        "roles": {},
    }
    try:
        for role in args.roles.split(","):
            print(f"--role {role}")
            results["roles"][role] = await measure_role(
                role, args, binary, f"http://127.0.0.1:{bare_port}/bare", bare_script, real_script
            )
    finally:
        bare.terminate()
        bare.wait(10)
        await admin.execute(f'DROP DATABASE IF EXISTS "{bare_db}" WITH (FORCE)')
        await admin.close()
        shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"written: {RESULTS.relative_to(BENCH_DIR.parent)}")


if __name__ == "__main__":
    asyncio.run(main())
