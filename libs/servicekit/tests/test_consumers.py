import asyncio
import json

import aio_pika
from faststream.rabbit import RabbitBroker
from sqlalchemy import text

from helpdesk_contracts import EventType
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.consumers import EventConsumers
from helpdesk_servicekit.db import make_engine, make_session_factory

from .factories import ticket_created


def probe_consumers(service: str) -> EventConsumers:
    consumers = EventConsumers(service)

    @consumers.on(EventType.TICKET_CREATED)
    async def record(session, envelope, payload):
        if payload.ticket.subject == "poison":
            raise RuntimeError("this message always fails")
        await session.execute(
            text("INSERT INTO probe (merchant_id, note) VALUES (:m, :n)"),
            {"m": envelope.merchant_id, "n": str(envelope.event_id)},
        )

    return consumers


async def start_consumers(consumers, amqp_url, namespace, sessions, delivery_limit=4):
    topology = Topology(namespace, delivery_limit=delivery_limit)
    publisher = AmqpPublisher(amqp_url, topology)
    await publisher.declare_consumer_topology(consumers.service, list(consumers.handlers))
    broker = RabbitBroker(amqp_url, logger=None)
    consumers.attach(broker, topology, sessions, prefetch=8)
    await broker.start()
    return broker, publisher


async def probe_notes(sessions) -> list[str]:
    async with sessions() as session:
        return list((await session.execute(text("SELECT note FROM probe"))).scalars())


async def wait_until(predicate, timeout=15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_a_consumer_given_the_same_event_twice_applies_it_once(kit_sessions, amqp_url, amqp_namespace):
    consumers = probe_consumers("probe-dup")
    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, kit_sessions)
    try:
        envelope = ticket_created()
        body = envelope.model_dump(mode="json")
        await publisher.publish_envelope(body)
        await publisher.publish_envelope(body)
        follow_up = ticket_created()
        await publisher.publish_envelope(follow_up.model_dump(mode="json"))

        async def both_handled() -> bool:
            return str(follow_up.event_id) in await probe_notes(kit_sessions)

        await wait_until(both_handled)
        await asyncio.sleep(0.5)
        assert sorted(await probe_notes(kit_sessions)) == sorted([str(envelope.event_id), str(follow_up.event_id)])
        async with kit_sessions() as session:
            seen = await session.scalar(
                text("SELECT count(*) FROM processed_events WHERE event_id = :e"), {"e": envelope.event_id}
            )
        assert seen == 1
    finally:
        await broker.stop()
        await publisher.close()


async def test_a_message_that_keeps_failing_is_parked_in_the_dead_queue_while_others_flow(
    kit_sessions, amqp_url, amqp_namespace
):
    consumers = probe_consumers("probe-poison")
    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, kit_sessions, delivery_limit=3)
    try:
        poison = ticket_created(subject="poison")
        await publisher.publish_envelope(poison.model_dump(mode="json"))
        healthy = [ticket_created() for _ in range(5)]
        for envelope in healthy:
            await publisher.publish_envelope(envelope.model_dump(mode="json"))

        async def healthy_done() -> bool:
            return len(await probe_notes(kit_sessions)) == len(healthy)

        await wait_until(healthy_done)

        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            dead = await channel.get_queue(Topology(amqp_namespace).dead_queue("probe-poison"), ensure=False)
            parked = None
            for _ in range(150):
                parked = await dead.get(no_ack=True, fail=False)
                if parked is not None:
                    break
                await asyncio.sleep(0.1)
        assert parked is not None, "the poison message never reached the dead queue"
        assert json.loads(parked.body)["event_id"] == str(poison.event_id)
        assert str(poison.event_id) not in await probe_notes(kit_sessions)
    finally:
        await broker.stop()
        await publisher.close()


async def test_an_unreadable_message_is_dead_lettered_at_once(kit_sessions, amqp_url, amqp_namespace):
    consumers = probe_consumers("probe-garbage")
    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, kit_sessions)
    try:
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(Topology(amqp_namespace).events_exchange, ensure=False)
            await exchange.publish(aio_pika.Message(body=b"{not an envelope"), routing_key="ticket.created")
            dead = await channel.get_queue(Topology(amqp_namespace).dead_queue("probe-garbage"), ensure=False)
            parked = None
            for _ in range(100):
                parked = await dead.get(no_ack=True, fail=False)
                if parked is not None:
                    break
                await asyncio.sleep(0.1)
        assert parked is not None and parked.body == b"{not an envelope"
    finally:
        await broker.stop()
        await publisher.close()


async def test_one_queue_s_deliveries_are_handled_concurrently_up_to_the_prefetch(
    kit_engine, amqp_url, amqp_namespace
):
    """FastStream hands each delivery of a queue to its own task (aiormq), so a queue is consumed `prefetch` at a
    time, never one by one and never more: the reason consumers may not rely on delivery order. Each handler
    holds a connection of the (fixed-size) pool, so the pool bounds it too: here the pool is larger."""
    engine = make_engine(kit_engine.url.render_as_string(hide_password=False), pool_size=10)
    kit_sessions = make_session_factory(engine)
    consumers = EventConsumers("probe-concurrent")
    in_flight, peak, handled = 0, 0, []
    all_in = asyncio.Event()

    @consumers.on(EventType.TICKET_CREATED)
    async def hold(session, envelope, payload):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight >= 8:
            all_in.set()
        try:
            await asyncio.wait_for(all_in.wait(), 15)  # generous: a loaded machine delivers slowly
        except TimeoutError:
            pass  # fewer in flight than the prefetch: the assertion on `peak` says so
        in_flight -= 1
        handled.append(envelope.event_id)

    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, kit_sessions)  # prefetch 8
    try:
        for _ in range(12):
            await publisher.publish_envelope(ticket_created().model_dump(mode="json"))

        async def all_handled() -> bool:
            return len(handled) == 12

        await wait_until(all_handled, timeout=60)
        assert peak == 8
    finally:
        await broker.stop()
        await engine.dispose()
        await publisher.close()
