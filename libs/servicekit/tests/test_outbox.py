import asyncio
import uuid
from collections import Counter

from sqlalchemy import text

from helpdesk_servicekit import outbox
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.tap import EventTap

from .factories import ticket_created


async def stage(sessions, envelopes, key=None):
    async with sessions() as session:
        for envelope in envelopes:
            await outbox.add(session, envelope, ordering_key=key or str(envelope.event_id))
        await session.commit()


async def test_two_relays_on_one_database_never_publish_the_same_row_twice(
    kit_engine, kit_sessions, listen_dsn, amqp_url, amqp_namespace
):
    tickets = [uuid.uuid4() for _ in range(20)]
    envelopes = [ticket_created(t, version=v) for v in range(1, 16) for t in tickets]
    topology = Topology(amqp_namespace)
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        await stage(kit_sessions, envelopes[:150])
        relays = [
            outbox.OutboxRelay(kit_engine, AmqpPublisher(amqp_url, topology), listen_dsn=listen_dsn, batch_size=7)
            for _ in range(2)
        ]
        stop = asyncio.Event()
        running = [asyncio.create_task(r.run(stop)) for r in relays]
        await stage(kit_sessions, envelopes[150:])
        await tap.wait_for(len(envelopes), timeout=30)
        await tap.settle(1.0)
        stop.set()
        await asyncio.gather(*running)
        for relay in relays:
            await relay.publisher.close()
    counts = Counter(body["event_id"] for body in tap.bodies())
    assert len(counts) == len(envelopes)
    assert set(counts.values()) == {1}
    async with kit_engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")) == 0


async def test_events_with_one_ordering_key_are_published_in_the_order_they_were_written(
    kit_engine, kit_sessions, listen_dsn, amqp_url, amqp_namespace
):
    ticket = uuid.uuid4()
    envelopes = [ticket_created(ticket, version=v) for v in range(1, 41)]
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        for envelope in envelopes:
            await stage(kit_sessions, [envelope], key=str(ticket))
        relays = [
            outbox.OutboxRelay(
                kit_engine, AmqpPublisher(amqp_url, Topology(amqp_namespace)), listen_dsn=listen_dsn, batch_size=3
            )
            for _ in range(3)
        ]
        for _ in range(20):
            await asyncio.gather(*(r.drain_once() for r in relays))
        await tap.wait_for(40)
        for relay in relays:
            await relay.publisher.close()
    versions = [b["payload"]["ticket"]["ticket_version"] for b in tap.bodies()]
    assert versions == list(range(1, 41))


async def test_a_published_message_carries_the_event_id_as_message_id_and_the_stored_trace_context(
    kit_engine, kit_sessions, listen_dsn, amqp_url, amqp_namespace
):
    from opentelemetry import trace

    from helpdesk_servicekit.telemetry import configure_tracing

    configure_tracing("test")
    envelope = ticket_created()
    with trace.get_tracer("test").start_as_current_span("request") as span:
        await stage(kit_sessions, [envelope])
        trace_id = format(span.get_span_context().trace_id, "032x")
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        relay = outbox.OutboxRelay(kit_engine, AmqpPublisher(amqp_url, Topology(amqp_namespace)), listen_dsn=listen_dsn)
        await relay.drain_once()
        await tap.wait_for(1)
        await relay.publisher.close()
    message = tap.messages[0]
    assert message.message_id == str(envelope.event_id)
    assert message.delivery_mode == 2
    assert trace_id in message.headers["traceparent"]
