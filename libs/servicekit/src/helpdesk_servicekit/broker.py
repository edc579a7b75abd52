"""RabbitMQ topology and the confirmed publisher the outbox relay uses (aio-pika).

The relay publishes with aio-pika rather than FastStream so that it controls `message_id`, persistence,
`mandatory` and publisher confirms exactly, and carries the trace context stored with the row instead
of one a middleware would overwrite.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection

from helpdesk_contracts import DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE

log = logging.getLogger(__name__)

UNROUTED = "helpdesk.unrouted"

# Every exchange and queue this process declared, so a test run can delete what it made.
DECLARED_EXCHANGES: set[str] = set()
DECLARED_QUEUES: set[str] = set()


class PublishFailed(Exception):
    """The broker did not confirm a message (unreachable, nacked, returned or timed out)."""


@dataclass(frozen=True)
class Topology:
    """Names of every exchange and queue, under an optional namespace prefix (tests use one)."""

    namespace: str = ""
    # Handler failures on a healthy system before a message is dead-lettered (counted by the consumer).
    delivery_limit: int = 8
    # Extra returns RabbitMQ tolerates on top (a consumer killed mid-handler, a requeue at shutdown): the
    # queue's x-delivery-limit is delivery_limit + crash_allowance, a backstop for messages that crash the process.
    crash_allowance: int = 50

    @property
    def events_exchange(self) -> str:
        return self.namespace + EVENTS_EXCHANGE

    @property
    def dead_exchange(self) -> str:
        return self.namespace + DEAD_LETTER_EXCHANGE

    @property
    def unrouted_exchange(self) -> str:
        return self.namespace + UNROUTED

    def consumer_queue(self, service: str, event_type: str) -> str:
        return f"{self.namespace}{service}.{event_type}"

    def dead_queue(self, service: str) -> str:
        return f"{self.namespace}{service}.dead"

    def events_exchange_arguments(self) -> dict[str, Any]:
        # Events nobody consumes yet go to helpdesk.unrouted instead of being returned to the relay.
        return {"alternate-exchange": self.unrouted_exchange}

    @property
    def broker_delivery_limit(self) -> int:
        return self.delivery_limit + self.crash_allowance

    def consumer_queue_arguments(self, service: str) -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": self.dead_exchange,
            "x-dead-letter-routing-key": service,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-delivery-limit": self.broker_delivery_limit,
        }

    def parking_queue_arguments(self) -> dict[str, Any]:
        return {"x-queue-type": "quorum", "x-overflow": "reject-publish"}


async def declare_base(channel: AbstractChannel, topology: Topology) -> AbstractExchange:
    """Declare the events, dead-letter and unrouted exchanges; returns the events exchange."""
    unrouted = await channel.declare_exchange(topology.unrouted_exchange, aio_pika.ExchangeType.FANOUT, durable=True)
    unrouted_queue = await channel.declare_queue(
        topology.unrouted_exchange,
        durable=True,
        arguments={**topology.parking_queue_arguments(), "x-max-length": 100_000, "x-overflow": "drop-head"},
    )
    await unrouted_queue.bind(unrouted, routing_key="")
    DECLARED_EXCHANGES.update({topology.unrouted_exchange, topology.dead_exchange, topology.events_exchange})
    DECLARED_QUEUES.add(topology.unrouted_exchange)
    await channel.declare_exchange(topology.dead_exchange, aio_pika.ExchangeType.DIRECT, durable=True)
    return await channel.declare_exchange(
        topology.events_exchange,
        aio_pika.ExchangeType.TOPIC,
        durable=True,
        arguments=topology.events_exchange_arguments(),
    )


async def declare_service(channel: AbstractChannel, topology: Topology, service: str, event_types: list[str]) -> None:
    """Declare a consuming service's quorum queues, their bindings and its `<service>.dead` queue."""
    events = await declare_base(channel, topology)
    dead = await channel.get_exchange(topology.dead_exchange, ensure=False)
    parking = await channel.declare_queue(
        topology.dead_queue(service), durable=True, arguments=topology.parking_queue_arguments()
    )
    await parking.bind(dead, routing_key=service)
    DECLARED_QUEUES.add(topology.dead_queue(service))
    for event_type in event_types:
        queue = await channel.declare_queue(
            topology.consumer_queue(service, event_type),
            durable=True,
            arguments=topology.consumer_queue_arguments(service),
        )
        await queue.bind(events, routing_key=event_type)
        DECLARED_QUEUES.add(queue.name)


class AmqpPublisher:
    """One robust connection and a confirming channel; publish raises PublishFailed on any doubt."""

    def __init__(self, url: str, topology: Topology, *, confirm_timeout: float = 10.0) -> None:
        self.url = url
        self.topology = topology
        self.confirm_timeout = confirm_timeout
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._channel: AbstractChannel | None = None
        self._lock = asyncio.Lock()

    async def _ensure(self) -> AbstractExchange:
        async with self._lock:
            if self._exchange is not None and self._connection and not self._connection.is_closed:
                return self._exchange
            try:
                if self._connection is None or self._connection.is_closed:
                    self._connection = await aio_pika.connect_robust(self.url, timeout=5)
                if self._channel is not None and not self._channel.is_closed:
                    await self._channel.close()
                self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
                self._exchange = await declare_base(self._channel, self.topology)
            except Exception as exc:
                await self.close()
                raise PublishFailed(f"broker unavailable: {exc!r}") from exc
            return self._exchange

    async def ensure_connected(self) -> None:
        await self._ensure()

    async def declare_consumer_topology(self, service: str, event_types: list[str]) -> None:
        """Declare a consuming service's queues on a short-lived channel of this connection."""
        await self._ensure()
        assert self._connection is not None
        channel = await self._connection.channel()
        try:
            await declare_service(channel, self.topology, service, event_types)
        finally:
            await channel.close()

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def publish_envelope(
        self, envelope: Mapping[str, Any], headers: dict[str, Any] | None = None, *, body: bytes | None = None
    ) -> None:
        """Publish one envelope and wait for the broker's confirm. `body`, when given, is the envelope's JSON as
        stored (the relay reads it as text, sparing a parse and a dump per row); `envelope` then needs only the
        fields the message properties come from."""
        exchange = await self._ensure()
        message = aio_pika.Message(
            body=body if body is not None else _json_bytes(envelope),
            message_id=str(envelope["event_id"]),
            correlation_id=envelope.get("correlation_id"),
            type=envelope["event_type"],
            app_id=envelope.get("producer"),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            timestamp=datetime.fromisoformat(envelope["occurred_at"]),
            headers={**(headers or {}), "x-schema-version": envelope.get("schema_version", 1)},
        )
        try:
            confirmation = await exchange.publish(
                message, routing_key=envelope["event_type"], mandatory=True, timeout=self.confirm_timeout
            )
        except Exception as exc:
            if self._channel is None or self._channel.is_closed:  # a nack or a return leaves the channel usable
                self._exchange = None
            raise PublishFailed(f"publish of {envelope['event_id']} failed: {exc!r}") from exc
        if not isinstance(confirmation, aiormq.spec.Basic.Ack):
            raise PublishFailed(f"broker did not ack {envelope['event_id']}: {confirmation!r}")

    async def close(self) -> None:
        connection, self._connection, self._exchange, self._channel = self._connection, None, None, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # already gone
                pass


def _json_bytes(data: Mapping[str, Any]) -> bytes:
    import json

    return json.dumps(data, separators=(",", ":")).encode()
