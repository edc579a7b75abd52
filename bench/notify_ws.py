"""Live push at scale: N concurrent WebSocket clients on ONE notify process, notifications published at a fixed
rate to random connected users; the same clients and load against a bare `websockets` server as the baseline.

Both servers receive frames the way a notify replica does: their own exclusive queue bound to a fanout exchange
(the bench publishes there, as a worker replica does after a commit); each pushes a frame to the sockets of its
recipient. Latency is publish → frame received (one clock: publisher and clients share this process). Prints
connections held, delivered/published, latency p50/p99/max and each server's resident memory. Never pass/fail.

    uv run python bench/notify_ws.py [--clients 5000] [--rate 1000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import websockets

ADMIN = os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("HELPDESK_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
MERCHANT = "m-bench"
NOTIFY_CMD = "from helpdesk_notify.main import run; run()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# The baseline: a bare websockets server fed by its own queue on a fanout exchange, nothing else.
async def serve_baseline(port: int, exchange_name: str) -> None:
    sockets: dict[str, set[Any]] = {}

    async def handler(ws: Any) -> None:
        user = ws.request.path.split("user=")[-1]
        sockets.setdefault(user, set()).add(ws)
        try:
            await ws.send(json.dumps({"type": "hello"}))
            async for _ in ws:
                pass
        finally:
            sockets[user].discard(ws)

    connection = await aio_pika.connect_robust(AMQP)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.FANOUT, auto_delete=True)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(exchange)

    async def on_message(message: Any) -> None:
        for _merchant, recipient, _seq, text in json.loads(message.body):
            for ws in tuple(sockets.get(recipient, ())):
                try:
                    await ws.send(text)
                except websockets.ConnectionClosed:
                    pass

    await queue.consume(on_message, no_ack=True)
    async with websockets.serve(handler, "127.0.0.1", port, ping_interval=20, max_queue=16):
        print("ready", flush=True)
        await asyncio.Future()


CONNECTIONS: list[Any] = []  # the publishers' connections, closed at the end


async def live_publisher(exchange_name: str) -> Publish:
    """What a worker replica's live hub does after commits: the frames of one burst in one message."""
    connection = await aio_pika.connect(AMQP)
    CONNECTIONS.append(connection)
    exchange = await (await connection.channel()).get_exchange(exchange_name)
    counter = iter(range(1, 1 << 62))

    async def publish(users: list[str]) -> None:
        frames = []
        for user in users:
            seq = next(counter)
            notification = {"id": secrets.token_hex(8), "seq": seq, "kind": "agent_reply", "title": "bench",
                            "body": "x" * 120, "data": {"bench_sent_at": time.monotonic()}}
            frames.append([MERCHANT, user, seq, json.dumps({"type": "notification", "notification": notification})])
        await exchange.publish(aio_pika.Message(json.dumps(frames).encode()), routing_key="")

    return publish


async def event_publisher(namespace: str, tickets: dict[str, Any]) -> Publish:
    """What the tickets service does: one `ticket.message_added` event per public agent reply."""
    from helpdesk_contracts import TicketMessageAdded, envelope_of

    connection = await aio_pika.connect(AMQP)
    CONNECTIONS.append(connection)
    exchange = await (await connection.channel()).get_exchange(f"{namespace}helpdesk.events")

    async def publish(users: list[str]) -> None:
        messages = []
        for user in users:
            payload = TicketMessageAdded(ticket=tickets[user], message_id=uuid.uuid4(), visibility="public",  # type: ignore[arg-type]
                                         author_id="agent-1", author_role="agent", body=f"bench:{time.monotonic()}",  # type: ignore[arg-type]
                                         actor_id="agent-1")
            messages.append(json.dumps(envelope_of(payload, merchant_id=MERCHANT, producer="tickets")).encode())
        await asyncio.gather(*(exchange.publish(aio_pika.Message(m), routing_key="ticket.message_added")
                               for m in messages))

    return publish


async def open_tickets(namespace: str, database_url: str, users: list[str]) -> dict[str, Any]:
    """One ticket per user, announced as `ticket.created`; returns once notify has projected them all."""
    from helpdesk_contracts import TicketCreated, TicketSnapshot, envelope_of

    connection = await aio_pika.connect(AMQP)
    exchange = await (await connection.channel()).get_exchange(f"{namespace}helpdesk.events")
    tickets = {}
    for number, user in enumerate(users, start=1):
        tickets[user] = TicketSnapshot(ticket_id=uuid.uuid4(), number=number, customer_id=user, subject="Bench",
                                       status="in_progress", priority="normal", assignee_id="agent-1",  # type: ignore[arg-type]
                                       created_at=datetime.now(UTC), ticket_version=1)
        body = json.dumps(envelope_of(TicketCreated(ticket=tickets[user]), merchant_id=MERCHANT, producer="tickets"))
        await exchange.publish(aio_pika.Message(body.encode()), routing_key="ticket.created")
    await connection.close()
    conn = await asyncpg.connect(database_url)
    try:
        while await conn.fetchval("SELECT count(*) FROM notify_tickets") < len(users):  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    return tickets


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    published: int = 0
    connected: int = 0
    open_at_end: int = 0
    errors: int = 0
    sockets: list[Any] = field(default_factory=list)


def sent_at(notification: dict[str, Any]) -> float:
    """When the bench published it: in `data` on the live path, in the message body on the events path."""
    if "bench_sent_at" in notification["data"]:
        return float(notification["data"]["bench_sent_at"])
    return float(notification["body"].removeprefix("bench:"))


async def client(url: str, run: Run, sem: asyncio.Semaphore) -> None:
    try:
        async with sem:
            ws = await websockets.connect(url, open_timeout=60, ping_interval=None, max_queue=None)
            await ws.recv()  # hello
            run.connected += 1
    except Exception:
        run.errors += 1
        return
    run.sockets.append(ws)
    try:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "notification":
                run.latencies.append(time.monotonic() - sent_at(frame["notification"]))
            elif frame["type"] == "ping":
                await ws.send('{"type": "pong"}')
    except websockets.ConnectionClosed:
        pass


Publish = Any  # async (list of recipient user ids) -> None, stamping each with time.monotonic()


async def load(label: str, url_of: Any, publish: Publish, pid: int, args: argparse.Namespace) -> str:
    run = Run()
    users = [f"cust-{i}" for i in range(args.clients)]
    rss_idle = rss_mib(pid)
    sem = asyncio.Semaphore(200)
    started = time.monotonic()
    tasks = [asyncio.create_task(client(url_of(u), run, sem)) for u in users]
    while run.connected + run.errors < args.clients and time.monotonic() - started < 180:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    connect_seconds = time.monotonic() - started
    rss_connected = rss_mib(pid)
    await asyncio.sleep(1)
    # The load generator holds thousands of sockets too: keep its own collector from pausing the measurement.
    gc.collect()
    gc.freeze()
    cpu_before, own_before = cpu_seconds(pid), cpu_seconds(os.getpid())
    begin = time.monotonic()
    interval = 1.0 / args.rate
    seq = 0
    while (now := time.monotonic()) - begin < args.seconds:
        due = int((now - begin) / interval) + 1
        batch = []
        while seq < due:
            seq += 1
            batch.append(random.choice(users))
        if batch:
            await publish(batch)
            run.published += len(batch)
        await asyncio.sleep(args.tick)
    elapsed = time.monotonic() - begin
    cpu, own = (cpu_seconds(pid) - cpu_before) / elapsed, (cpu_seconds(os.getpid()) - own_before) / elapsed
    await asyncio.sleep(2)  # let the last frames land
    rss_loaded = rss_mib(pid)
    run.open_at_end = sum(1 for ws in run.sockets if ws.state is websockets.protocol.State.OPEN)
    await asyncio.gather(*(ws.close() for ws in run.sockets), return_exceptions=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    gc.unfreeze()
    lat = sorted(run.latencies) or [float("nan")]
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    return (
        f"{label:<32} held {run.open_at_end}/{args.clients} (connected {run.connected} in {connect_seconds:.1f} s, "
        f"{run.errors} failed); delivered {len(run.latencies)}/{run.published} "
        f"({run.published / args.seconds:.0f}/s); latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {lat[-1] * 1000:.0f} ms; RSS idle {rss_idle:.0f} MiB, {args.clients} connected {rss_connected:.0f} MiB, "
        f"after load {rss_loaded:.0f} MiB; CPU under load: server {cpu * 100:.0f}%, clients {own * 100:.0f}% of a core"
    )


def wait_ready(proc: subprocess.Popen[bytes], check: Any, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        if check():
            return
        time.sleep(0.3)
    raise SystemExit("server never became ready")


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
            return True
    except OSError:
        return False


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=1000, help="notifications per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--path", choices=["live", "events"], default="live",
                        help="live: frames on the live exchange, as a worker replica publishes them after commit; "
                        "events: ticket.message_added events through notify's consumer, database and live exchange")
    parser.add_argument("--skip-baseline", action="store_true", help="measure the notify server only")
    parser.add_argument("--tick", type=float, default=0.01, help="publish what is due every this many seconds")
    parser.add_argument("--serve-baseline", nargs=2, metavar=("PORT", "EXCHANGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        await serve_baseline(int(args.serve_baseline[0]), args.serve_baseline[1])
        return

    from helpdesk_servicekit.devtoken import mint

    run_id = secrets.token_hex(3)
    namespace, database = f"bench{run_id}.", f"bench_notify_{run_id}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    database_dsn = ADMIN.rsplit("/", 1)[0] + f"/{database}"
    secret = secrets.token_urlsafe(48)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        base_port = free_port()
        baseline_exchange = f"{namespace}baseline.live"
        base = subprocess.Popen(  # noqa: ASYNC220 (started once, before any load)
            [sys.executable, __file__, "--serve-baseline", str(base_port), baseline_exchange], stdout=subprocess.PIPE
        )
        procs.append(base)
        assert base.stdout is not None
        base.stdout.readline()
        port = free_port()
        notify = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-c", os.environ.get("BENCH_NOTIFY_CMD", NOTIFY_CMD), "--role",
             "api" if args.path == "live" else "all"],
            env=os.environ | {
                "HELPDESK_ENV": "dev",
                "HELPDESK_JWT_SECRET": secret,
                "HELPDESK_NOTIFY_PORT": str(port),
                "HELPDESK_NOTIFY_DATABASE_URL": database_dsn,
                "HELPDESK_AMQP_URL": AMQP,
                "HELPDESK_AMQP_NAMESPACE": namespace,
                "HELPDESK_LOG_LEVEL": "WARNING",
                "HELPDESK_HOST": "127.0.0.1",
            },
            stdout=subprocess.DEVNULL,
        )
        procs.append(notify)
        wait_ready(notify, lambda: healthy(port))
        await asyncio.sleep(1)  # the live hub binds its queue right after start
        tokens = {f"cust-{i}": mint(secret, sub=f"cust-{i}", merchant_id=MERCHANT, role="customer", ttl=3600)
                  for i in range(args.clients)}
        print(f"{args.clients} WebSocket clients, {args.rate:.0f} notifications/s to random users for "
              f"{args.seconds:.0f} s, one server process each, 2 shared cores")
        if not args.skip_baseline:
            print(await load("bare websockets (baseline)", lambda u: f"ws://127.0.0.1:{base_port}/?user={u}",
                             await live_publisher(baseline_exchange), base.pid, args))
        notify_url = lambda u: f"ws://127.0.0.1:{port}/v1/ws?token={tokens[u]}"  # noqa: E731
        if args.path == "live":
            publish = await live_publisher(f"{namespace}helpdesk.live")
            print(await load("notify /v1/ws (live exchange)", notify_url, publish, notify.pid, args))
        else:
            users = [f"cust-{i}" for i in range(args.clients)]
            tickets = await open_tickets(namespace, database_dsn, users)
            publish = await event_publisher(namespace, tickets)
            print(await load("notify /v1/ws (events, consumed)", notify_url, publish, notify.pid, args))
    finally:
        for connection in CONNECTIONS:
            await connection.close()
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
        connection = await aio_pika.connect(AMQP)
        async with connection:
            channel = await connection.channel()
            for name in (f"{namespace}helpdesk.live", f"{namespace}helpdesk.events", f"{namespace}helpdesk.dead",
                         f"{namespace}helpdesk.unrouted"):
                try:
                    await channel.exchange_delete(name)
                except Exception:
                    channel = await connection.channel()
            from helpdesk_notify.consumers import CONSUMED

            queues = [f"{namespace}helpdesk.unrouted", f"{namespace}notify.dead"]
            for name in queues + [f"{namespace}notify.{event_type}" for event_type in CONSUMED]:
                try:
                    await channel.queue_delete(name)
                except Exception:
                    channel = await connection.channel()


if __name__ == "__main__":
    asyncio.run(main())
