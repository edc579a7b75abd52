"""Dead letters: list with the reason, replay once the handler is fixed, drop, the gauge, the CLI (real RabbitMQ)."""

import asyncio
import json
from types import SimpleNamespace

from sqlalchemy import text

from helpdesk_contracts import EventType
from helpdesk_servicekit import deadletters, metrics
from helpdesk_servicekit.broker import Topology
from helpdesk_servicekit.consumers import EventConsumers

from .factories import ticket_created
from .test_consumers import probe_notes, start_consumers, wait_until


def breakable_consumers(service: str, broken: dict[str, bool]) -> EventConsumers:
    consumers = EventConsumers(service)

    @consumers.on(EventType.TICKET_CREATED)
    async def record(session, envelope, payload):
        if broken["on"] and payload.ticket.subject == "poison":
            raise RuntimeError("a bug in the handler")
        await session.execute(
            text("INSERT INTO probe (merchant_id, note) VALUES (:m, :n)"),
            {"m": envelope.merchant_id, "n": str(envelope.event_id)},
        )

    return consumers


def gauge(service: str) -> float:
    return metrics.DEAD_LETTERS.labels(service)._value.get()


async def wait_for_dead(amqp_url, topology, service, count):
    async def parked() -> bool:
        return await deadletters.dead_count(amqp_url, topology, service) >= count

    await wait_until(parked, timeout=20)


async def test_a_poison_message_is_listed_with_its_reason_and_replayed_once_the_handler_is_fixed(
    kit_sessions, amqp_url, amqp_namespace
):
    service, broken = "probe-dl", {"on": True}
    consumers = breakable_consumers(service, broken)
    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, kit_sessions, delivery_limit=2)
    topology = Topology(amqp_namespace)
    try:
        poison = ticket_created(subject="poison")
        healthy = ticket_created()
        await publisher.publish_envelope(poison.model_dump(mode="json"))
        await publisher.publish_envelope(healthy.model_dump(mode="json"))
        await wait_for_dead(amqp_url, topology, service, 1)

        letters = await deadletters.list_dead(amqp_url, topology, service)
        assert [(d.event_id, d.event_type, d.reason) for d in letters] == [
            (str(poison.event_id), "ticket.created", "rejected")
        ]
        assert letters[0].queue == topology.consumer_queue(service, "ticket.created")
        assert letters[0].count == 1 and letters[0].died_at is not None
        assert gauge(service) == 1
        assert len(await deadletters.list_dead(amqp_url, topology, service)) == 1  # listing takes nothing away

        broken["on"] = False  # the fix is deployed
        replayed = await deadletters.replay(amqp_url, topology, service, [str(poison.event_id)])
        assert [d.event_id for d in replayed] == [str(poison.event_id)]
        assert gauge(service) == 0

        async def applied() -> bool:
            return str(poison.event_id) in await probe_notes(kit_sessions)

        await wait_until(applied)
        assert sorted(await probe_notes(kit_sessions)) == sorted([str(poison.event_id), str(healthy.event_id)])
        assert await deadletters.dead_count(amqp_url, topology, service) == 0
    finally:
        await broker.stop()
        await publisher.close()


async def test_drop_removes_only_the_selected_messages(kit_sessions, amqp_url, amqp_namespace):
    service = "probe-drop"
    consumers = breakable_consumers(service, {"on": True})
    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, kit_sessions, delivery_limit=1)
    topology = Topology(amqp_namespace)
    try:
        poisons = [ticket_created(subject="poison") for _ in range(3)]
        for envelope in poisons:
            await publisher.publish_envelope(envelope.model_dump(mode="json"))
        await wait_for_dead(amqp_url, topology, service, 3)
        dropped = await deadletters.drop(amqp_url, topology, service, [str(poisons[1].event_id)])
        assert [d.event_id for d in dropped] == [str(poisons[1].event_id)]
        left = {d.event_id for d in await deadletters.list_dead(amqp_url, topology, service)}
        assert left == {str(poisons[0].event_id), str(poisons[2].event_id)}
        assert gauge(service) == 2
        assert await deadletters.replay(amqp_url, topology, service, ["not-there"]) == []
        assert len(await deadletters.drop(amqp_url, topology, service, None)) == 2
        assert await deadletters.dead_count(amqp_url, topology, service) == 0
    finally:
        await broker.stop()
        await publisher.close()


async def test_the_command_line_lists_and_replays_and_the_watcher_keeps_the_gauge(
    kit_sessions, amqp_url, amqp_namespace, monkeypatch, capsys
):
    service, broken = "probe-cli", {"on": True}
    consumers = breakable_consumers(service, broken)
    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, kit_sessions, delivery_limit=1)
    topology = Topology(amqp_namespace)
    monkeypatch.setenv("HELPDESK_AMQP_URL", amqp_url)
    monkeypatch.setenv("HELPDESK_AMQP_NAMESPACE", amqp_namespace)
    settings_type = type("ProbeSettings", (), {"service_name": service})
    runtime = SimpleNamespace(settings=settings_type(), topology=topology)
    runtime.settings.amqp_url = amqp_url
    stop = asyncio.Event()
    try:
        poison = ticket_created(subject="poison")
        await publisher.publish_envelope(poison.model_dump(mode="json"))
        await wait_for_dead(amqp_url, topology, service, 1)
        metrics.DEAD_LETTERS.labels(service).set(0)
        watcher = asyncio.create_task(deadletters.watch_dead_letters(runtime, stop, interval=0.1))  # type: ignore[arg-type]

        async def counted() -> bool:
            return gauge(service) == 1

        await wait_until(counted)

        assert await deadletters.cli(["list", "--service", service, "--json"]) == 0
        listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [(d["event_id"], d["reason"]) for d in listed] == [(str(poison.event_id), "rejected")]

        assert await deadletters.cli(["replay", "--service", service, "--event-id", "unknown-id"]) == 1
        broken["on"] = False
        assert await deadletters.cli(["replay", "--service", service, "--all"]) == 0
        assert "replayed 1 message(s)" in capsys.readouterr().err

        async def applied() -> bool:
            return str(poison.event_id) in await probe_notes(kit_sessions)

        await wait_until(applied)

        async def cleared() -> bool:
            return gauge(service) == 0

        await wait_until(cleared)
        stop.set()
        await watcher
    finally:
        stop.set()
        await broker.stop()
        await publisher.close()


async def test_a_message_parked_by_the_crash_backstop_is_listed_as_delivery_limit(amqp_url, amqp_namespace):
    import aio_pika

    from helpdesk_servicekit.broker import AmqpPublisher

    service = "probe-backstop"
    topology = Topology(amqp_namespace, delivery_limit=1, crash_allowance=0)
    publisher = AmqpPublisher(amqp_url, topology)
    await publisher.declare_consumer_topology(service, ["ticket.created"])
    envelope = ticket_created()
    await publisher.publish_envelope(envelope.model_dump(mode="json"))
    await publisher.close()
    connection = await aio_pika.connect(amqp_url)
    async with connection:  # returned without an ack, as a consumer that keeps crashing would
        channel = await connection.channel()
        queue = await channel.get_queue(topology.consumer_queue(service, "ticket.created"), ensure=False)
        for _ in range(2):
            message = await queue.get(no_ack=False, fail=False, timeout=5)
            assert message is not None
            await message.nack(requeue=True)
    await wait_for_dead(amqp_url, topology, service, 1)
    [letter] = await deadletters.list_dead(amqp_url, topology, service)
    assert (letter.event_id, letter.reason, letter.queue) == (
        str(envelope.event_id),
        "delivery_limit",
        topology.consumer_queue(service, "ticket.created"),
    )
