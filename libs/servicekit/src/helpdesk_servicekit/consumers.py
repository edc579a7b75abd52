"""Event consumers on FastStream: envelope in, inbox-guarded use case, ack only after commit.

Each (service, event type) has its own quorum queue. A handler failure is retried by requeueing
(with a short pause, so a database blip is ridden out); after the queue's delivery limit RabbitMQ
dead-letters the message to `<service>.dead`. A message that cannot be parsed is rejected at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

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
from helpdesk_servicekit.telemetry import correlation_id, extract_context, tracer

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope, Payload], Awaitable[None]]


@dataclass
class EventConsumers:
    """The handlers of one service, keyed by event type."""

    service: str
    handlers: dict[str, Handler] = field(default_factory=dict)

    def on(self, event_type: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.handlers[event_type] = handler
            return handler

        return register

    def consumer_name(self, event_type: str) -> str:
        return f"{self.service}.{event_type}"

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
            broker.subscriber(
                queue,
                exchange,
                channel=Channel(prefetch_count=prefetch),
                ack_policy=AckPolicy.MANUAL,
                title=f"{self.service}:{event_type}",
            )(self._delivery_handler(event_type, sessions))

    def _delivery_handler(
        self, event_type: str, sessions: async_sessionmaker[AsyncSession]
    ) -> Callable[[RabbitMessage], Awaitable[None]]:
        consumer = self.consumer_name(event_type)

        async def deliver(message: RabbitMessage) -> None:
            try:
                envelope, payload = parse_envelope(message.body)
            except (ValidationError, UnknownEvent, ValueError) as exc:
                log.error("rejecting unreadable message on %s: %s", consumer, exc)
                metrics.EVENTS_CONSUMED.labels(consumer, event_type, "rejected").inc()
                await message.reject(requeue=False)
                return
            token = otel_context.attach(extract_context(message.headers))
            cid = correlation_id.set(envelope.correlation_id)
            started = time.perf_counter()
            try:
                with tracer().start_as_current_span(f"consume {event_type}", attributes={"consumer": consumer}):
                    applied = await self.apply(sessions, envelope, payload)
            except Exception:
                attempt = int(message.headers.get("x-delivery-count", 0) or 0) + 1
                log.exception("handler %s failed on %s (attempt %d)", consumer, envelope.event_id, attempt)
                metrics.EVENTS_CONSUMED.labels(consumer, event_type, "failed").inc()
                await asyncio.sleep(min(0.05 * 2**attempt, 5.0))
                await message.nack(requeue=True)
                return
            finally:
                correlation_id.reset(cid)
                otel_context.detach(token)
            metrics.EVENT_HANDLING.labels(consumer, event_type).observe(time.perf_counter() - started)
            metrics.EVENTS_CONSUMED.labels(consumer, event_type, "applied" if applied else "duplicate").inc()
            await message.ack()

        deliver.__name__ = f"on_{event_type.replace('.', '_')}"
        return deliver
