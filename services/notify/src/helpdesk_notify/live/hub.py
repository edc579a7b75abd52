"""Live fan-out: every replica binds its own exclusive, auto-delete queue to one fanout exchange and pushes
each frame to the sockets it holds for the frame's recipient, so a user connected to any replica gets it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage, AbstractRobustConnection

from helpdesk_servicekit.broker import DECLARED_EXCHANGES

log = logging.getLogger(__name__)

LIVE_EXCHANGE = "helpdesk.live"
PING_FRAME = json.dumps({"type": "ping"})
MAX_PENDING_FRAMES = 50_000


@dataclass(frozen=True)
class LiveFrame:
    """One notification for one recipient, already serialised as the WebSocket text frame."""

    merchant_id: str
    recipient_id: str
    seq: int
    text: str


class LiveSocket:
    """One connected WebSocket: a bounded queue of frames for its writer, and when it was last heard from."""

    def __init__(self, merchant_id: str, user_id: str, send: Callable[[str], Awaitable[None]], max_queue: int) -> None:
        self.key = (merchant_id, user_id)
        self.send = send
        self.queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue(max_queue)
        self.last_seen = time.monotonic()
        self.next_ping_at = self.last_seen
        self.replayed_upto = 0
        self.closed = asyncio.Event()
        self.close_reason = ""

    def offer(self, seq: int, text: str) -> None:
        try:
            self.queue.put_nowait((seq, text))
        except asyncio.QueueFull:  # too slow to keep up: drop it; it catches up from the inbox with ?since=
            self.close("send queue overflow")

    def close(self, reason: str) -> None:
        if not self.closed.is_set():
            self.close_reason = reason
            self.closed.set()

    async def write(self) -> None:
        """Send queued frames in order, skipping what the replay already sent."""
        while True:
            seq, text = await self.queue.get()
            if seq and seq <= self.replayed_upto:
                continue
            await self.send(text)


class LiveHub:
    """This replica's sockets and its binding to the live exchange."""

    def __init__(
        self,
        amqp_url: str,
        namespace: str,
        *,
        ping_seconds: float = 20.0,
        pong_timeout: float = 30.0,
        max_queue: int = 256,
    ) -> None:
        self.amqp_url = amqp_url
        self.exchange_name = namespace + LIVE_EXCHANGE
        self.ping_seconds = ping_seconds
        self.pong_timeout = pong_timeout
        self.max_queue = max_queue
        self.sockets: dict[tuple[str, str], set[LiveSocket]] = {}
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pending: list[LiveFrame] = []
        self._flush = asyncio.Event()

    # Lifecycle.
    async def start(self) -> None:
        self._spawn(self._connect())
        self._spawn(self._keepalive())
        self._spawn(self._publisher())

    async def stop(self) -> None:
        self._stop.set()
        for sockets in list(self.sockets.values()):
            for socket in list(sockets):
                socket.close("server shutting down")
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self) -> None:
        delay = 0.25
        while not self._stop.is_set():
            try:
                connection = await aio_pika.connect_robust(self.amqp_url, timeout=5)
                channel = await connection.channel()
                await channel.set_qos(prefetch_count=0)
                exchange = await channel.declare_exchange(
                    self.exchange_name, aio_pika.ExchangeType.FANOUT, durable=True
                )
                DECLARED_EXCHANGES.add(self.exchange_name)
                queue = await channel.declare_queue(exclusive=True, auto_delete=True)
                await queue.bind(exchange)
                await queue.consume(self._on_message, no_ack=True)
            except Exception as exc:
                log.warning("live exchange unavailable, retrying in %.1fs: %s", delay, exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)
                delay = min(delay * 2, 10.0)
                continue
            self._connection, self._exchange = connection, exchange
            self.ready.set()
            return

    # Out: frames for the whole cluster.
    def publish_soon(self, frames: list[LiveFrame]) -> None:
        """Publish after a commit, without making the committing code wait. Frames of commits that arrive while a
        publish is under way go out together in the next message (one AMQP message per burst, not per commit)."""
        if len(self._pending) >= MAX_PENDING_FRAMES:  # the broker is away: the inbox keeps them for ?since=
            log.warning("live exchange backlog full, dropping %d frames", len(frames))
            return
        self._pending.extend(frames)
        self._flush.set()

    async def _publisher(self) -> None:
        while not self._stop.is_set():
            await self._flush.wait()
            self._flush.clear()
            frames, self._pending = self._pending, []
            if frames:
                await self.publish(frames)

    async def publish(self, frames: list[LiveFrame]) -> None:
        try:
            await asyncio.wait_for(self.ready.wait(), 5)
            assert self._exchange is not None
            body = json.dumps([[f.merchant_id, f.recipient_id, f.seq, f.text] for f in frames]).encode()
            await self._exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT), "")
        except Exception as exc:  # the inbox has it; a client catches up with ?since=
            log.warning("live publish of %d frames failed: %s", len(frames), exc)

    # In: frames for the sockets this replica holds.
    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            frames = json.loads(message.body)
        except ValueError:
            return
        for merchant_id, recipient_id, seq, text in frames:
            for socket in tuple(self.sockets.get((merchant_id, recipient_id), ())):
                socket.offer(seq, text)

    # Sockets.
    def add(self, socket: LiveSocket) -> None:
        socket.next_ping_at = time.monotonic() + random.uniform(0, self.ping_seconds)
        self.sockets.setdefault(socket.key, set()).add(socket)

    def remove(self, socket: LiveSocket) -> None:
        sockets = self.sockets.get(socket.key)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.sockets[socket.key]

    @property
    def connections(self) -> int:
        return sum(len(s) for s in self.sockets.values())

    async def _keepalive(self) -> None:
        """Ping each socket every `ping_seconds` (spread over time, never all at once); drop the ones not heard from
        within the pong timeout."""
        tick = min(1.0, self.ping_seconds / 4)
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), tick)
            now = time.monotonic()
            for sockets in list(self.sockets.values()):
                for socket in list(sockets):
                    if now - socket.last_seen > self.pong_timeout:
                        socket.close("no pong")
                    elif now >= socket.next_ping_at:
                        socket.next_ping_at = now + self.ping_seconds
                        socket.offer(0, PING_FRAME)
