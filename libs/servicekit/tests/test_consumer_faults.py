"""Consumers under infrastructure faults (real PostgreSQL and RabbitMQ, cut through TCP proxies)."""

import asyncio
import errno

import aio_pika
import asyncpg
import pytest
from faststream.rabbit import RabbitBroker
from sqlalchemy import exc as sa_exc, text
from sqlalchemy.engine import make_url

from helpdesk_contracts import EventType
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.consumers import EventConsumers, is_infrastructure
from helpdesk_servicekit.db import make_engine, make_session_factory
from helpdesk_servicekit.testing.proxy import TcpProxy

from .factories import ticket_created
from .test_consumers import probe_consumers, probe_notes, start_consumers, wait_until


async def dead_count(amqp_url: str, namespace: str, service: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(Topology(namespace).dead_queue(service), passive=True)
        return queue.declaration_result.message_count or 0


def test_connection_trouble_serialization_failures_and_deadlocks_are_infrastructure():
    assert is_infrastructure(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert is_infrastructure(TimeoutError())
    assert is_infrastructure(asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle"))
    assert is_infrastructure(asyncpg.exceptions.CannotConnectNowError("starting up"))
    assert is_infrastructure(asyncpg.exceptions.SerializationError("could not serialize"))
    assert is_infrastructure(asyncpg.exceptions.DeadlockDetectedError("deadlock detected"))
    wrapped = sa_exc.DBAPIError("SELECT 1", {}, asyncpg.exceptions.AdminShutdownError("terminating"))
    assert is_infrastructure(wrapped)
    try:
        try:
            raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
        except Exception as inner:
            raise RuntimeError("use case failed") from inner
    except RuntimeError as outer:
        assert is_infrastructure(outer)


def test_a_bug_in_the_handler_or_a_bad_fact_is_not_infrastructure():
    assert not is_infrastructure(RuntimeError("boom"))
    assert not is_infrastructure(KeyError("x"))
    assert not is_infrastructure(FileNotFoundError(errno.ENOENT, "template.html"))
    assert not is_infrastructure(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not is_infrastructure(sa_exc.IntegrityError("INSERT", {}, asyncpg.exceptions.NotNullViolationError("x")))


async def test_a_database_outage_parks_nothing_and_applies_every_event_once(
    kit_engine, kit_sessions, amqp_url, amqp_namespace
):
    # The issue asks for 60 s; 12 s with a delivery limit of 2 proves the same point in a fraction of the time:
    # under the old rule (every failure is a nack that counts) each event would be dead-lettered after 2 tries.
    target = make_url(kit_engine.url)
    proxy = await TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    engine = make_engine(target.set(port=proxy.port).render_as_string(hide_password=False), pool_size=3)
    sessions = make_session_factory(engine)
    consumers = probe_consumers("probe-outage")
    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, sessions, delivery_limit=2)
    try:
        before = [ticket_created() for _ in range(3)]
        for envelope in before:
            await publisher.publish_envelope(envelope.model_dump(mode="json"))

        async def applied(n: int):
            async def check() -> bool:
                return len(await probe_notes(kit_sessions)) >= n

            return check

        await wait_until(await applied(3))

        await proxy.cut()
        during = [ticket_created() for _ in range(20)]
        loop = asyncio.get_running_loop()
        outage_ends = loop.time() + 12
        for envelope in during:
            await publisher.publish_envelope(envelope.model_dump(mode="json"))
            await asyncio.sleep(0.3)
        assert consumers.paused
        await asyncio.sleep(max(0.0, outage_ends - loop.time()))
        assert consumers.paused
        await proxy.restore()

        await wait_until(await applied(23), timeout=20)
        await asyncio.sleep(0.5)
        notes = await probe_notes(kit_sessions)
        assert sorted(notes) == sorted(str(e.event_id) for e in before + during)
        assert not consumers.paused
        assert await dead_count(amqp_url, amqp_namespace, "probe-outage") == 0
    finally:
        await broker.stop()
        await publisher.close()
        await proxy.close()
        await engine.dispose()


@pytest.mark.parametrize("told", [True, False], ids=["told-to-stop", "subscriber-stopped"])
async def test_stopping_during_an_outage_gives_the_message_back(
    told, kit_engine, kit_sessions, amqp_url, amqp_namespace
):
    target = make_url(kit_engine.url)
    proxy = await TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    engine = make_engine(target.set(port=proxy.port).render_as_string(hide_password=False), pool_size=2)
    sessions = make_session_factory(engine)
    consumers = probe_consumers("probe-stop")
    broker, publisher = await start_consumers(consumers, amqp_url, amqp_namespace, sessions, delivery_limit=1)
    try:
        await proxy.cut()
        envelope = ticket_created()
        await publisher.publish_envelope(envelope.model_dump(mode="json"))

        async def paused() -> bool:
            return consumers.paused

        await wait_until(paused, timeout=10)
        if told:
            consumers.stopping()
        await asyncio.wait_for(broker.stop(), 5)  # graceful_timeout is longer: the delivery let go by itself
        await proxy.restore()
        # a new consumer process picks it up: given back, not lost, not dead-lettered
        consumers = probe_consumers("probe-stop")
        broker, _ = await start_consumers(consumers, amqp_url, amqp_namespace, sessions, delivery_limit=1)

        async def done() -> bool:
            return str(envelope.event_id) in await probe_notes(kit_sessions)

        await wait_until(done)
        assert await dead_count(amqp_url, amqp_namespace, "probe-stop") == 0
    finally:
        await broker.stop()
        await publisher.close()
        await proxy.close()
        await engine.dispose()


class Killed(Exception):
    """Stands for the process dying: the blocked handler's transaction never commits."""


async def test_a_consumer_killed_mid_handler_ten_times_applies_the_message_once(kit_sessions, amqp_url, amqp_namespace):
    service = "probe-kill"
    topology = Topology(amqp_namespace, delivery_limit=2)
    publisher = AmqpPublisher(amqp_url, topology)
    await publisher.declare_consumer_topology(service, [EventType.TICKET_CREATED])
    envelope = ticket_created()
    await publisher.publish_envelope(envelope.model_dump(mode="json"))
    amqp = make_url(amqp_url.replace("amqp://", "postgresql://"))  # only to read host and port
    try:
        for round_ in range(11):
            if round_ == 10:  # RabbitMQ counted every kill as a delivery: the old rule would have parked it
                assert await delivery_count(amqp_url, topology.consumer_queue(service, "ticket.created")) >= 10
            entered, release = asyncio.Event(), asyncio.Event()
            consumers = EventConsumers(service)
            last = round_ == 10

            @consumers.on(EventType.TICKET_CREATED)
            async def handle(session, env, payload, entered=entered, release=release, last=last):
                await session.execute(
                    text("INSERT INTO probe (merchant_id, note) VALUES (:m, :n)"),
                    {"m": env.merchant_id, "n": str(env.event_id)},
                )
                if last:
                    return
                entered.set()
                await release.wait()
                raise Killed

            proxy = await TcpProxy(amqp.host or "127.0.0.1", amqp.port or 5672).start()
            url = amqp_url.replace(f"{amqp.host}:{amqp.port}", f"127.0.0.1:{proxy.port}")
            broker = RabbitBroker(url, logger=None, graceful_timeout=2)
            consumers.attach(broker, topology, kit_sessions, prefetch=4)

            await broker.start()
            if last:

                async def applied() -> bool:
                    return str(envelope.event_id) in await probe_notes(kit_sessions)

                await wait_until(applied)
                await asyncio.sleep(0.3)
            else:
                await asyncio.wait_for(entered.wait(), 10)
                await proxy.cut()  # the connection drops mid-handler; RabbitMQ takes the message back
                release.set()
            await broker.stop()
            await proxy.close()
        async with kit_sessions() as session:
            count = await session.scalar(text("SELECT count(*) FROM probe"))
        assert count == 1
        assert await dead_count(amqp_url, amqp_namespace, service) == 0
    finally:
        await publisher.close()


async def delivery_count(amqp_url: str, queue_name: str) -> int:
    """RabbitMQ's x-delivery-count of the message at the head of `queue_name` (given back at once)."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=False)
        message = await queue.get(no_ack=False, fail=False, timeout=5)
        assert message is not None
        count = int((message.headers or {}).get("x-delivery-count", 0))
        await message.nack(requeue=True)
        return count


async def test_during_an_outage_one_delivery_probes_while_the_others_wait():
    from helpdesk_servicekit.consumers import Interrupted, _Outage

    outage = _Outage("probe", min_backoff=0.01, max_backoff=0.05)
    calls: list[str] = []
    down_for = {"attempts": 4}

    def attempt(name: str):
        async def run() -> str:
            calls.append(name)
            await asyncio.sleep(0)
            if down_for["attempts"] > 0:
                down_for["attempts"] -= 1
                raise ConnectionRefusedError(errno.ECONNREFUSED, "refused")
            return name

        return run

    results = await asyncio.gather(*(outage.run("probe.x", attempt(f"d{i}"), lambda: False) for i in range(3)))
    assert results == ["d0", "d1", "d2"] and outage.healthy
    # three failed together, then one probe at a time: 4 failures, then each delivery once more
    assert len(calls) == 4 + 3

    stopping = {"now": False}
    down_for["attempts"] = 10**6

    async def stop_soon() -> None:
        await asyncio.sleep(0.1)
        stopping["now"] = True

    stopper = asyncio.create_task(stop_soon())
    with pytest.raises(Interrupted):
        await outage.run("probe.x", attempt("d3"), lambda: stopping["now"])
    await stopper
    assert not outage.healthy

    down_for["attempts"] = 0

    async def bug() -> None:
        raise RuntimeError("not an outage")

    with pytest.raises(RuntimeError):  # the database answered: the outage is over, the bug is the handler's
        await outage.run("probe.x", bug, lambda: False)
    assert outage.healthy
