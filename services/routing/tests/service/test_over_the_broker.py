"""Over the real broker: two routing instances share the work and still rotate fairly."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from typing import Any

from helpdesk_routing.settings import RoutingSettings
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.tap import EventTap

from ..harness import Routing, Ticket, a_merchant, eventually, started


async def test_round_robin_stays_fair_with_two_routing_instances_consuming_at_once(
    routing_database: Callable[[], Any],
    routing_settings: Callable[..., RoutingSettings],
    amqp_url: str,
    amqp_namespace: str,
) -> None:
    settings = routing_settings(await routing_database(), amqp_namespace)
    publisher = AmqpPublisher(amqp_url, Topology(amqp_namespace))
    async with contextlib.AsyncExitStack() as stack:
        tap = await stack.enter_async_context(EventTap(amqp_url, amqp_namespace, "routing.#"))
        first = Routing(http=await stack.enter_async_context(started(settings)), tap=tap)
        second = Routing(http=await stack.enter_async_context(started(settings)), tap=tap)
        m = a_merchant()
        group = await first.add_group(m, "Support")
        for name in ("ann", "bob", "cid"):
            await first.add_agent(m, name, group_ids=[group["id"]])
        await second.add_rule(m, group_id=group["id"], strategy="round_robin")
        for _ in range(9):
            envelope, _payload = Ticket(m).created()
            await publisher.publish_envelope(envelope.model_dump(mode="json"))
        decided = await eventually(
            lambda: len(first.tapped("routing.assignment_decided", m)) >= 9
            and first.tapped("routing.assignment_decided", m),
            timeout=30,
        )
        assert Counter(e["payload"]["agent_id"] for e in decided) == {"ann": 3, "bob": 3, "cid": 3}
        assert await _applied(first, m) == 9  # each event applied once, whichever instance took it
    await publisher.close()


async def _applied(routing: Routing, merchant: str) -> int:
    from sqlalchemy import text

    async with routing.sessions() as session:
        result = await session.execute(
            text("SELECT count(*) FROM processed_events WHERE merchant_id = :m AND event_type = 'ticket.created'"),
            {"m": merchant},
        )
        return int(result.scalar_one())


async def test_a_ticket_announced_on_the_broker_is_assigned_within_a_second(routing: Routing) -> None:
    import time

    assert routing.publisher is not None
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    ticket = Ticket(m)
    envelope, _ = ticket.created()
    started_at = time.monotonic()
    await routing.publisher.publish_envelope(envelope.model_dump(mode="json"))
    decided = await eventually(lambda: routing.tapped("routing.assignment_decided", m), timeout=10, interval=0.01)
    elapsed = time.monotonic() - started_at
    assert decided[0]["payload"]["ticket_id"] == str(ticket.id)
    assert decided[0]["payload"]["agent_id"] == "ann" and decided[0]["payload"]["group_id"] == group["id"]
    assert decided[0]["producer"] == "routing"
    print(f"ticket.created -> routing.assignment_decided over the broker: {elapsed * 1000:.0f} ms")
