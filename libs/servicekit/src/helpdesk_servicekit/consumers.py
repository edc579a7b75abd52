"""Event consumers on FastStream: envelope in, inbox-guarded use case, ack only after commit.

Each (service, event type) has its own quorum queue. What happens when a handler fails depends on why
(see "Failure modes" in the README):

- **Infrastructure** (the database unreachable or restarting, a broken connection, a serialization
  failure or deadlock): the message stays in hand, nothing is nacked, and it is retried with a capped
  backoff until it succeeds. The service's consumers pause together meanwhile: one delivery probes, the
  others (the prefetch already in hand) wait, and no new message arrives while every prefetch slot is
  held. When the consumer stops during an outage the message is requeued so it is not lost.
- **The handler itself** (any other exception, on a healthy system): nacked and requeued after a short
  pause; after `Topology.delivery_limit` such failures it is rejected and RabbitMQ dead-letters it to
  `<service>.dead` (reason `rejected`). Failures are counted by this process, not by RabbitMQ's
  delivery count, so a consumer killed mid-handler (which RabbitMQ also counts) never parks a healthy
  event; the queue's own `x-delivery-limit` is a higher backstop for messages that crash the process.
- **Unreadable** messages are rejected at once (dead-lettered, reason `rejected`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from faststream.middlewares import AckPolicy
from faststream.rabbit import (
    Channel,
    ExchangeType,
    QueueType,
    RabbitBroker,
    RabbitExchange,
    RabbitMessage,
    RabbitQueue,
)
from opentelemetry import context as otel_context
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_contracts import Envelope, Payload, UnknownEvent, parse_envelope
from helpdesk_servicekit import inbox, metrics
from helpdesk_servicekit.broker import Topology
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.failures import infrastructure_failure
from helpdesk_servicekit.telemetry import correlation_id, extract_context, tracer

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope, Payload], Awaitable[None]]
T = TypeVar("T")


def is_infrastructure(exc: BaseException) -> bool:
    """True when `exc` means a dependency is unavailable rather than the message is bad.

    The kit's one rule (`failures.infrastructure_failure`, which HTTP uses for 503): connection errors
    (sockets, asyncpg, SQLAlchemy errors that invalidated the connection, a pool timeout), serialization
    failures (40001), deadlocks (40P01) and the server shutting down or starting up.
    """
    return infrastructure_failure(exc) is not None


class Interrupted(Exception):
    """The consumer is stopping (or its channel is gone) while a delivery waits out an outage."""


class _Outage:
    """One service's consumers' view of their dependencies: healthy, or paused while one delivery probes."""

    def __init__(self, service: str, min_backoff: float, max_backoff: float) -> None:
        self.service = service
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.backoff = min_backoff
        self.healthy = True
        self.probing = False
        self.since = 0.0
        self.warned = 0.0

    def down(self, consumer: str, exc: BaseException) -> None:
        metrics.CONSUMER_INFRA_RETRIES.labels(consumer).inc()
        if self.healthy:
            self.healthy, self.since, self.backoff = False, time.monotonic(), self.min_backoff
            self.warned = self.since
            metrics.CONSUMERS_PAUSED.labels(self.service).set(1)
            log.warning(
                "consumers of %s paused: a dependency is unavailable (%s: %s)", self.service, type(exc).__name__, exc
            )

    def up(self) -> None:
        if not self.healthy:
            self.healthy, self.backoff = True, self.min_backoff
            metrics.CONSUMERS_PAUSED.labels(self.service).set(0)
            log.warning("consumers of %s resumed after %.1fs", self.service, time.monotonic() - self.since)

    async def run(self, consumer: str, attempt: Callable[[], Awaitable[T]], interrupted: Callable[[], bool]) -> T:
        """Run `attempt` until it succeeds or fails for a reason other than infrastructure.

        While the dependency is down only one delivery at a time tries again (after the backoff); the
        others wait. Raises `Interrupted` when `interrupted()` turns true while waiting.
        """
        while True:
            if self.healthy:
                try:
                    return await attempt()
                except Exception as exc:
                    if not is_infrastructure(exc):
                        raise
                    self.down(consumer, exc)
                continue
            if self.probing:
                await _pause(0.05, interrupted)
                continue
            self.probing = True
            try:
                await _pause(self.backoff, interrupted)
                if self.healthy:
                    continue
                try:
                    result = await attempt()
                except Exception as exc:
                    if not is_infrastructure(exc):
                        self.up()  # the database answered: whatever this is, it is not an outage
                        raise
                    metrics.CONSUMER_INFRA_RETRIES.labels(consumer).inc()
                    self.backoff = min(self.max_backoff, self.backoff * 2)
                    now = time.monotonic()
                    if now - self.warned >= 30:  # a long pause says so twice a minute, not at every try
                        self.warned = now
                        log.warning(
                            "consumers of %s paused for %.0fs: %s: %s",
                            self.service,
                            now - self.since,
                            type(exc).__name__,
                            exc,
                        )
                    continue
                self.up()
                return result
            finally:
                self.probing = False


async def _pause(seconds: float, interrupted: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if interrupted():
            raise Interrupted
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.1))


class _FailureCounts:
    """Handler failures per event id seen by this process (bounded; a restart forgets, which is the point)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self.counts: OrderedDict[str, int] = OrderedDict()

    def add(self, key: str) -> int:
        count = self.counts.pop(key, 0) + 1
        self.counts[key] = count
        while len(self.counts) > self.capacity:
            self.counts.popitem(last=False)
        return count

    def forget(self, key: str) -> None:
        self.counts.pop(key, None)


@dataclass
class EventConsumers:
    """The handlers of one service, keyed by event type."""

    service: str
    handlers: dict[str, Handler] = field(default_factory=dict)
    min_backoff: float = 0.1
    max_backoff: float = 5.0
    _stopping: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _outage: _Outage | None = field(default=None, init=False, repr=False)
    _failures: _FailureCounts = field(default_factory=_FailureCounts, init=False, repr=False)

    def on(self, event_type: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.handlers[event_type] = handler
            return handler

        return register

    def consumer_name(self, event_type: str) -> str:
        return f"{self.service}.{event_type}"

    @property
    def paused(self) -> bool:
        """True while the consumers wait for an unavailable dependency."""
        return self._outage is not None and not self._outage.healthy

    def stopping(self) -> None:
        """Tell deliveries waiting out an outage to give their messages back now (call before `broker.stop()`).

        Without it they notice within 0.1 s that their subscriber stopped; this only makes it explicit.
        """
        self._stopping.set()

    async def apply(self, sessions: async_sessionmaker[AsyncSession], envelope: Envelope, payload: Payload) -> bool:
        """Run the handler once per event id in one transaction; False when it was a duplicate."""
        name = self.consumer_name(envelope.event_type)
        async with unit_of_work(sessions) as session:
            if not await inbox.claim(session, name, envelope):
                return False
            await self.handlers[envelope.event_type](session, envelope, payload)
            await session.commit()
        return True

    def attach(
        self, broker: RabbitBroker, topology: Topology, sessions: async_sessionmaker[AsyncSession], prefetch: int
    ) -> None:
        """Subscribe every handler to its quorum queue on `broker`."""
        self._stopping.clear()
        if self._outage is None:
            self._outage = _Outage(self.service, self.min_backoff, self.max_backoff)
        exchange = RabbitExchange(
            topology.events_exchange,
            type=ExchangeType.TOPIC,
            durable=True,
            arguments=topology.events_exchange_arguments(),
        )
        for event_type in self.handlers:
            queue = RabbitQueue(  # type: ignore[call-overload]
                topology.consumer_queue(self.service, event_type),
                queue_type=QueueType.QUORUM,
                arguments=topology.consumer_queue_arguments(self.service),
                routing_key=event_type,
            )
            subscriber = broker.subscriber(
                queue,
                exchange,
                channel=Channel(prefetch_count=prefetch),
                ack_policy=AckPolicy.MANUAL,
                title=f"{self.service}:{event_type}",
            )
            subscriber(self._delivery_handler(event_type, sessions, topology.delivery_limit, subscriber))

    def _delivery_handler(
        self, event_type: str, sessions: async_sessionmaker[AsyncSession], limit: int, subscriber: Any
    ) -> Callable[[RabbitMessage], Awaitable[None]]:
        consumer = self.consumer_name(event_type)
        outage = self._outage
        assert outage is not None

        async def deliver(message: RabbitMessage) -> None:
            try:
                envelope, payload = parse_envelope(message.body)
            except (ValidationError, UnknownEvent, ValueError) as exc:
                log.error("rejecting unreadable message on %s: %s", consumer, exc)
                metrics.EVENTS_CONSUMED.labels(consumer, event_type, "rejected").inc()
                await message.reject(requeue=False)
                return

            def interrupted() -> bool:
                return self._stopping.is_set() or not getattr(subscriber, "running", True) or _channel_gone(message)

            token = otel_context.attach(extract_context(message.headers))
            cid = correlation_id.set(envelope.correlation_id)
            started = time.perf_counter()
            key = str(envelope.event_id)
            try:
                with tracer().start_as_current_span(f"consume {event_type}", attributes={"consumer": consumer}):
                    applied = await outage.run(consumer, lambda: self.apply(sessions, envelope, payload), interrupted)
            except Interrupted:
                metrics.EVENTS_CONSUMED.labels(consumer, event_type, "requeued").inc()
                if not _channel_gone(message):  # else RabbitMQ has it back already
                    log.warning("%s stopping during an outage: requeueing %s", consumer, key)
                    await message.nack(requeue=True)
                return
            except Exception:
                failures = self._failures.add(key)
                metrics.EVENTS_CONSUMED.labels(consumer, event_type, "failed").inc()
                if _channel_gone(message):  # RabbitMQ has it back already; nothing to nack
                    log.exception("handler %s failed on %s after its channel closed", consumer, key)
                    return
                if failures >= limit:
                    log.exception("handler %s failed on %s %d times: dead-lettering it", consumer, key, failures)
                    self._failures.forget(key)
                    metrics.EVENTS_CONSUMED.labels(consumer, event_type, "dead_lettered").inc()
                    await message.reject(requeue=False)
                    return
                log.exception("handler %s failed on %s (failure %d of %d)", consumer, key, failures, limit)
                await asyncio.sleep(min(0.05 * 2**failures, 5.0))
                await message.nack(requeue=True)
                return
            finally:
                correlation_id.reset(cid)
                otel_context.detach(token)
            self._failures.forget(key)
            metrics.EVENT_HANDLING.labels(consumer, event_type).observe(time.perf_counter() - started)
            metrics.EVENTS_CONSUMED.labels(consumer, event_type, "applied" if applied else "duplicate").inc()
            await message.ack()

        deliver.__name__ = f"on_{event_type.replace('.', '_')}"
        return deliver


def _channel_gone(message: RabbitMessage) -> bool:
    """True when the delivery's channel closed: its tag is void and RabbitMQ redelivers the message itself."""
    try:
        return bool(message.raw_message.channel.is_closed)
    except Exception:
        return True
