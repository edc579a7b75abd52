"""Create-ticket throughput: the real tickets service against a bare FastAPI + asyncpg insert, same load.

The real endpoint does auth (JWT), validation, the ticket number, the ticket row and its outbox row in one
transaction, with the outbox relay publishing to RabbitMQ in the same process. The bare one inserts a row.
Prints requests/s and p50/p99 for each and their ratio (goal: real >= 0.6 of bare). Never pass/fail.

    uv run python bench/ticket_create.py [--seconds 20] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _load import drive

from helpdesk_servicekit.devtoken import mint

BENCH_DIR = str(Path(__file__).resolve().parent)
ADMIN = os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("HELPDESK_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def db_url(name: str) -> str:
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on {port} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on {port} never became healthy")


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_healthy(port, proc)
    return proc


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--role", default="all", help="all: the relay publishes in the same process; api: HTTP only")
    parser.add_argument("--merchants", type=int, default=1, help="spread the load over this many merchants")
    args = parser.parse_args()
    run = secrets.token_hex(3)
    bare_db, real_db = f"bench_bare_{run}", f"bench_tickets_{run}"
    admin = await asyncpg.connect(ADMIN)
    for name in (bare_db, real_db):
        await admin.execute(f'CREATE DATABASE "{name}"')
    secret = secrets.token_urlsafe(48)
    payload = {
        "subject": "The parcel never arrived",
        "description": "Order 1234, shipped a week ago.",
        "priority": "high",
    }
    procs: list[subprocess.Popen] = []
    try:
        bare_port = free_port()
        procs.append(
            start(
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
                    BENCH_DIR,
                    "--no-access-log",
                ],
                {"BARE_DSN": db_url(bare_db)},
                bare_port,
            )
        )
        real_port = free_port()
        procs.append(
            start(
                [sys.executable, "-c", "from helpdesk_tickets.main import run; run()"],
                {
                    "HELPDESK_ENV": "dev",
                    "HELPDESK_JWT_SECRET": secret,
                    "HELPDESK_TICKETS_PORT": str(real_port),
                    "HELPDESK_TICKETS_DATABASE_URL": db_url(real_db),
                    "HELPDESK_AMQP_URL": AMQP,
                    "HELPDESK_AMQP_NAMESPACE": f"bench{run}.",
                    "HELPDESK_LOG_LEVEL": "WARNING",
                    "HELPDESK_HOST": "127.0.0.1",
                    "HELPDESK_ROLE": args.role,
                },
                real_port,
            )
        )
        merchants = args.merchants
        tokens = [
            mint(secret, sub=f"cust-{i}", merchant_id=f"m-bench-{i % merchants}", role="customer")
            for i in range(args.concurrency)
        ]
        auth = [{"Authorization": f"Bearer {token}"} for token in tokens]
        print(f"load: {args.concurrency} keep-alive connections, {args.seconds:.0f} s each, 1 server process each")
        await drive(bare_port, "/bare", payload, {}, concurrency=4, seconds=2)  # warm-up
        await drive(real_port, "/v1/tickets", payload, auth, concurrency=4, seconds=2)
        bare = await drive(bare_port, "/bare", payload, {}, concurrency=args.concurrency, seconds=args.seconds)
        real = await drive(real_port, "/v1/tickets", payload, auth, concurrency=args.concurrency, seconds=args.seconds)
        print(bare.line("bare FastAPI + asyncpg"))
        print(real.line("tickets POST /v1/tickets"))
        print(f"ratio real/bare: {real.rps / bare.rps:.2f} (goal ≥ 0.60)")
        conn = await asyncpg.connect(db_url(real_db))
        await asyncio.sleep(2)
        pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        total = await conn.fetchval("SELECT count(*) FROM tickets")
        await conn.close()
        print(f"tickets written: {total}; outbox rows still unpublished 2 s after the load: {pending}")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
        for name in (bare_db, real_db):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
