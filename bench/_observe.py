"""What the e2e bench watches, each stamped with `time.monotonic()` in the bench process (one clock for all):

- `EventClock`: an exclusive queue of its own bound to the run's `helpdesk.events` exchange for the event types
  that mark a milestone; the first arrival per ticket of each is kept.
- `AgentSockets`: every agent's WebSocket to notify; the first `assigned_to_you` frame per ticket is kept.
- `Backlog`: once a second, unpublished outbox rows per service (SQL) and ready messages per consumer queue
  (passive queue.declare through aio-pika; the management API is not available here).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aio_pika
import asyncpg
import websockets
from aio_pika.abc import AbstractIncomingMessage

from helpdesk_servicekit.broker import Topology, declare_base

# Milestone event -> where its ticket id is in the payload.
MILESTONES = {
    "routing.assignment_decided": ("ticket_id",),
    "ticket.assigned": ("ticket", "ticket_id"),
    "sla.clock_changed": ("ticket_id",),
}


class EventClock:
    """First arrival time of each milestone event per ticket id, and how many events of each type were published."""

    def __init__(self, amqp_url: str, namespace: str) -> None:
        self.amqp_url = amqp_url
        self.topology = Topology(namespace)
        self.first: dict[str, dict[str, float]] = {event: {} for event in MILESTONES}
        self.relay: dict[str, dict[str, float]] = {event: {} for event in MILESTONES}
        self.counts: dict[str, int] = {}
        self._connection: Any = None

    async def __aenter__(self) -> EventClock:
        self._connection = await aio_pika.connect(self.amqp_url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=1000)
        exchange = await declare_base(channel, self.topology)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="#")  # every event, counted by type; milestones timed
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        arrived = time.monotonic()
        event_type = message.routing_key or ""
        self.counts[event_type] = self.counts.get(event_type, 0) + 1
        path = MILESTONES.get(event_type)
        if path is None:
            return
        envelope = json.loads(message.body)
        value: Any = envelope["payload"]
        for key in path:
            value = value[key]
        ticket_id = str(value)
        if ticket_id not in self.first[event_type]:
            self.first[event_type][ticket_id] = arrived
            # Written (in its transaction) → seen here: the outbox relay's share of each hop, on the wall clock.
            occurred = datetime.fromisoformat(envelope["occurred_at"]).timestamp()
            self.relay[event_type][ticket_id] = time.time() - occurred


@dataclass
class AgentSockets:
    """One WebSocket per agent on notify's `/v1/ws`; the first `assigned_to_you` frame per ticket."""

    port: int
    tokens: dict[str, str]
    notified: dict[str, float] = field(default_factory=dict)
    frames: int = 0
    closed: list[str] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _hello: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    async def __aenter__(self) -> AgentSockets:
        for agent, token in self.tokens.items():
            self._tasks.append(asyncio.create_task(self._hold(agent, token)))
        for _ in self.tokens:  # every socket has said hello before any ticket is created
            await asyncio.wait_for(self._hello.get(), 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _hold(self, agent: str, token: str) -> None:
        url = f"ws://127.0.0.1:{self.port}/v1/ws?token={token}"
        async with websockets.connect(url, max_queue=None, ping_interval=20) as ws:
            async for raw in ws:
                arrived = time.monotonic()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "hello":
                    self._hello.put_nowait(agent)
                elif kind == "ping":
                    await ws.send('{"type": "pong"}')
                elif kind == "notification":
                    self.frames += 1
                    notification = frame["notification"]
                    if notification.get("kind") == "assigned_to_you" and notification.get("ticket_id"):
                        self.notified.setdefault(str(notification["ticket_id"]), arrived)
        self.closed.append(agent)


@dataclass
class Sample:
    at: float
    outbox: dict[str, int]
    queues: dict[str, int]

    @property
    def outbox_total(self) -> int:
        return sum(self.outbox.values())

    @property
    def queue_total(self) -> int:
        return sum(self.queues.values())

    @property
    def total(self) -> int:
        return self.outbox_total + self.queue_total


class Backlog:
    """Samples the outbox backlog of each service and the ready messages of each consumer queue every second."""

    def __init__(self, dsns: dict[str, str], amqp_url: str, queues: list[str], every: float = 1.0) -> None:
        self.dsns = dsns
        self.amqp_url = amqp_url
        self.queue_names = queues
        self.every = every
        self.samples: list[Sample] = []
        self._conns: dict[str, asyncpg.Connection] = {}
        self._amqp: Any = None
        self._channel: Any = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Backlog:
        for service, dsn in self.dsns.items():
            conn = await asyncpg.connect(dsn)
            if await conn.fetchval("SELECT to_regclass('outbox') IS NOT NULL"):
                self._conns[service] = conn
            else:
                await conn.close()
        self._amqp = await aio_pika.connect(self.amqp_url)
        self._channel = await self._amqp.channel()
        self._task = asyncio.create_task(self._loop())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for conn in self._conns.values():
            await conn.close()
        await self._amqp.close()

    async def sample(self) -> Sample:
        outbox = {
            service: int(await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
            for service, conn in self._conns.items()
        }
        queues = {}
        for name in self.queue_names:
            declared = await self._channel.declare_queue(name, passive=True)
            queues[name] = int(declared.declaration_result.message_count or 0)
        return Sample(time.monotonic(), outbox, queues)

    async def _loop(self) -> None:
        while True:
            self.samples.append(await self.sample())
            await asyncio.sleep(self.every)

    def between(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.at <= end]
