"""Listen on the real events exchange from a test: an exclusive queue bound to a routing pattern."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from helpdesk_servicekit.broker import Topology, declare_base


class EventTap:
    """Collects every message matching `pattern` on the namespaced `helpdesk.events` exchange."""

    def __init__(self, amqp_url: str, namespace: str, pattern: str = "#") -> None:
        self.amqp_url = amqp_url
        self.topology = Topology(namespace)
        self.pattern = pattern
        self.messages: list[AbstractIncomingMessage] = []
        self._arrived = asyncio.Condition()
        self._connection: Any = None

    async def __aenter__(self) -> EventTap:
        self._connection = await aio_pika.connect(self.amqp_url)
        channel = await self._connection.channel()
        exchange = await declare_base(channel, self.topology)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=self.pattern)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        async with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()

    def bodies(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return [json.loads(m.body) for m in self.messages if event_type is None or m.routing_key == event_type]

    async def wait_for(self, count: int, event_type: str | None = None, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least `count` matching messages arrived; returns them all."""

        async def enough() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.bodies(event_type)) >= count)

        await asyncio.wait_for(enough(), timeout)
        return self.bodies(event_type)

    async def settle(self, seconds: float = 0.5) -> None:
        """Give stragglers (duplicates, late publishes) a moment to show up."""
        await asyncio.sleep(seconds)
