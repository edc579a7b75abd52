import asyncio
import uuid
from collections import Counter

from sqlalchemy import text

from helpdesk_servicekit import outbox
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.tap import EventTap

from .factories import ticket_created


async def stage(sessions, envelopes, key=None):
    """Stage ready-made envelopes (one statement per envelope, as separate use cases would)."""
    producer = outbox.Producer("test")
    async with sessions() as session:
        for envelope in envelopes:
            staged = outbox.Staged(envelope.model_dump(mode="json"), outbox.partition_of(key or str(envelope.event_id)))
            await producer.stage_many(session, [staged])
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


async def test_a_staged_event_is_written_with_the_producer_the_correlation_id_and_the_key_partition(kit_sessions):
    from helpdesk_servicekit.telemetry import correlation_id

    payload = __import__("helpdesk_contracts").TicketCreated.model_validate(ticket_created().payload)
    producer = outbox.Producer("tickets")
    token = correlation_id.set("corr-7")
    try:
        async with kit_sessions() as session:
            staged = await producer.stage(
                session, payload, merchant_id="m9", ordering_key="ticket-1", causation_id="c0"
            )
            await session.commit()
    finally:
        correlation_id.reset(token)
    async with kit_sessions() as session:
        row = (await session.execute(text("SELECT * FROM outbox WHERE event_id = :e"), {"e": staged.event_id})).one()
    assert row.partition == outbox.partition_of("ticket-1")
    assert row.merchant_id == "m9" and row.event_type == "ticket.created"
    assert row.envelope["producer"] == "tickets" and row.envelope["causation_id"] == "c0"
    assert row.envelope["correlation_id"] == "corr-7" and row.headers["x-correlation-id"] == "corr-7"
    assert row.envelope["payload"] == payload.model_dump(mode="json")
