"""The bare baselines of the e2e bench, measured in the same run at the same fixed rates:

- HTTP: bench/_bare_app.py (bare FastAPI + asyncpg, one INSERT per request) under the same open-loop load as the
  tickets service; latency = response received - due time.
- AMQP: a raw aio-pika round trip through one durable quorum queue shaped like the services' (persistent
  messages, publisher confirms, manual ack); latency = consumer received - publish started.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import asyncpg
from _load import HttpPool, fixed_rate, percentile
from _system import ADMIN, AMQP, db_url, free_port, wait_healthy

BENCH_DIR = Path(__file__).resolve().parent
PAYLOAD = json.dumps(
    {"subject": "The parcel never arrived", "description": "Order 1234, shipped a week ago.", "priority": "high"}
).encode()


@dataclass
class Latencies:
    rate: float
    sent: int
    ok: int
    seconds: float
    values: list[float]

    @property
    def achieved(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def ms(self, share: float) -> float:
        return percentile(self.values, share) * 1000

    def as_dict(self) -> dict[str, float]:
        return {"rate": self.rate, "achieved": round(self.achieved, 1), "sent": self.sent, "ok": self.ok,
                "p50_ms": round(self.ms(0.5), 2), "p99_ms": round(self.ms(0.99), 2)}  # fmt: skip


def _spawn(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env=os.environ | env, stdout=subprocess.DEVNULL)


async def bare_http(rates: list[float], seconds: float) -> dict[float, Latencies]:
    """The bare FastAPI + asyncpg app at each rate for `seconds`."""
    name = f"bench_e2e_bare_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "_bare_app:app", "--port", str(port), "--log-level", "warning",
           "--app-dir", str(BENCH_DIR), "--no-access-log"]  # fmt: skip
    proc = _spawn(cmd, {"BARE_DSN": db_url(name)})
    try:
        wait_healthy(port, proc)
        pool = HttpPool(port)
        results = {}
        await _http_step(pool, 20, 2)  # warm-up
        for rate in rates:
            results[rate] = await _http_step(pool, rate, seconds)
        await pool.close()
        return results
    finally:
        proc.terminate()
        proc.wait(10)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _http_step(pool: HttpPool, rate: float, seconds: float) -> Latencies:
    out = Latencies(rate, 0, 0, 0.0, [])
    last = 0.0

    async def send(_: int, due: float) -> None:
        nonlocal last
        out.sent += 1
        status, _body = await pool.post("/bare", PAYLOAD, {})
        done = time.monotonic()
        if status == 201:
            out.ok += 1
            out.values.append(done - due)
        last = max(last, done)

    started = await fixed_rate(rate, seconds, send)
    out.seconds = last - started
    return out


_keys = itertools.count()


async def amqp_round_trip(rates: list[float], seconds: float) -> dict[float, Latencies]:
    """Publish (confirmed, persistent) → consume (manual ack) through a quorum queue at each rate."""
    name = f"e2e-bare-{secrets.token_hex(3)}"
    connection = await aio_pika.connect(AMQP)
    async with connection:
        publish_channel = await connection.channel(publisher_confirms=True)
        consume_channel = await connection.channel()
        await consume_channel.set_qos(prefetch_count=32)
        queue = await consume_channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
        arrived: dict[int, float] = {}

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            arrived[int(message.body)] = time.monotonic()
            await message.ack()

        await queue.consume(on_message)
        try:
            results = {}
            for rate in rates:
                results[rate] = await _amqp_step(publish_channel, name, arrived, rate, seconds)
            return results
        finally:
            await publish_channel.queue_delete(name)


async def _amqp_step(
    channel: aio_pika.abc.AbstractChannel, queue: str, arrived: dict[int, float], rate: float, seconds: float
) -> Latencies:
    sent: dict[int, float] = {}

    async def send(_i: int, _due: float) -> None:
        key = next(_keys)
        sent[key] = time.monotonic()
        message = aio_pika.Message(str(key).encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        await channel.default_exchange.publish(message, routing_key=queue)

    started = await fixed_rate(rate, seconds, send)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(k not in arrived for k in sent):  # noqa: ASYNC110 - a count to reach
        await asyncio.sleep(0.05)
    values = [arrived[k] - t for k, t in sent.items() if k in arrived]
    last = max((arrived[k] for k in sent if k in arrived), default=started)
    return Latencies(rate, len(sent), len(values), last - started, values)
