"""The relay when the broker refuses a row, or the database goes away between publishing and marking."""

import asyncio
import uuid
from collections import Counter
from typing import Any

import aio_pika
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from helpdesk_servicekit import outbox
from helpdesk_servicekit.broker import AmqpPublisher, PublishFailed, Topology
from helpdesk_servicekit.db import make_engine
from helpdesk_servicekit.testing.proxy import TcpProxy
from helpdesk_servicekit.testing.tap import EventTap

from .factories import ticket_created
from .test_outbox import stage


async def rows(engine) -> list[Any]:
    async with engine.connect() as conn:
        return list(
            await conn.execute(text("SELECT event_id, published_at, attempts, last_error FROM outbox ORDER BY id"))
        )


async def test_the_broker_refusing_the_third_of_five_rows_keeps_the_first_two_published_once(
    kit_engine, kit_sessions, listen_dsn, amqp_url, amqp_namespace
):
    ticket = uuid.uuid4()
    envelopes = [ticket_created(ticket, version=v) for v in range(1, 6)]
    topology = Topology(amqp_namespace)
    publisher = AmqpPublisher(amqp_url, topology)
    relay = outbox.OutboxRelay(kit_engine, publisher, listen_dsn=listen_dsn)
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            # A real refusal: a bound queue that holds two messages and nacks the publish of a third.
            full = await channel.declare_queue(
                f"{amqp_namespace}full", arguments={"x-max-length": 2, "x-overflow": "reject-publish"}
            )
            await full.bind(topology.events_exchange, routing_key="ticket.created")
            await stage(kit_sessions, envelopes, key=str(ticket))

            for attempt in (1, 2, 3):
                with pytest.raises(PublishFailed):
                    await relay.drain_once()
                state = await rows(kit_engine)
                assert [r.published_at is not None for r in state] == [True, True, False, False, False]
                assert [r.attempts for r in state] == [0, 0, attempt, attempt, attempt]
                assert all("nack" in r.last_error.lower() or "Delivery" in r.last_error for r in state[2:])

            await full.delete(if_unused=False, if_empty=False)
            assert await relay.drain_once() == 3
        await tap.wait_for(5)
        await tap.settle(0.3)
    await publisher.close()
    sent = Counter(b["event_id"] for b in tap.bodies())
    first_two = [str(e.event_id) for e in envelopes[:2]]
    assert [sent[e] for e in first_two] == [1, 1]  # published once in total across the retries
    state = await rows(kit_engine)
    assert all(r.published_at is not None for r in state)
    assert state[2].attempts == 3 and state[2].last_error


class RefusesOne:
    """A publisher that refuses one event until told otherwise, and can hold the first publish of a batch."""

    def __init__(self, inner: AmqpPublisher, refused: str) -> None:
        self.inner = inner
        self.refused: str | None = refused
        self.hold: asyncio.Event | None = None
        self.holding = asyncio.Event()
        self.published: list[str] = []

    async def ensure_connected(self) -> None:
        await self.inner.ensure_connected()

    async def publish_envelope(
        self, envelope: dict[str, Any], headers: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        if self.hold is not None and not self.published:
            self.holding.set()
            await self.hold.wait()
        if str(envelope["event_id"]) == self.refused:
            raise PublishFailed(f"broker refused {envelope['event_id']}")
        await self.inner.publish_envelope(envelope, headers, **kw)
        self.published.append(str(envelope["event_id"]))


async def test_rows_confirmed_after_a_refused_one_are_marked_and_no_transaction_waits_for_the_broker(
    kit_engine, kit_sessions, listen_dsn, amqp_url, amqp_namespace
):
    ticket = uuid.uuid4()
    envelopes = [ticket_created(ticket, version=v) for v in range(1, 6)]
    ids = [str(e.event_id) for e in envelopes]
    inner = AmqpPublisher(amqp_url, Topology(amqp_namespace))
    publisher = RefusesOne(inner, refused=ids[2])
    relay = outbox.OutboxRelay(kit_engine, publisher, listen_dsn=listen_dsn)  # type: ignore[arg-type]
    await stage(kit_sessions, envelopes, key=str(ticket))
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        publisher.hold = asyncio.Event()
        draining = asyncio.create_task(relay.drain_once())
        await asyncio.wait_for(publisher.holding.wait(), 5)
        async with kit_engine.connect() as conn:  # the relay waits for the broker with no transaction open
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%'"
                )
            )
        assert waiting == 0
        publisher.hold.set()
        with pytest.raises(PublishFailed, match="refused"):
            await draining
        state = await rows(kit_engine)
        assert [r.published_at is not None for r in state] == [True, True, False, True, True]
        assert (state[2].attempts, state[2].last_error) == (1, f"broker refused {ids[2]}")
        assert [r.attempts for r in state[:2] + state[3:]] == [0, 0, 0, 0]

        publisher.hold, publisher.refused = None, None
        assert await relay.drain_once() == 1
        assert await relay.drain_once() == 0
        await tap.wait_for(5)
        await tap.settle(0.3)
    await inner.close()
    assert sorted(Counter(b["event_id"] for b in tap.bodies()).items()) == sorted((i, 1) for i in ids)


async def test_rows_confirmed_while_the_database_went_away_are_not_published_again(
    kit_engine, kit_sessions, listen_dsn, amqp_url, amqp_namespace
):
    target = make_url(kit_engine.url)
    proxy = await TcpProxy(target.host or "127.0.0.1", target.port or 5432).start()
    engine = make_engine(target.set(port=proxy.port).render_as_string(hide_password=False), pool_size=2)
    envelopes = [ticket_created() for _ in range(4)]
    await stage(kit_sessions, envelopes, key="one-key")
    inner = AmqpPublisher(amqp_url, Topology(amqp_namespace))

    class CutsTheDatabase(RefusesOne):
        async def publish_envelope(
            self, envelope: dict[str, Any], headers: dict[str, Any] | None = None, **kw: Any
        ) -> None:
            await super().publish_envelope(envelope, headers, **kw)
            if len(self.published) == len(envelopes):
                await proxy.cut()  # confirmed, but the relay cannot write published_at

    publisher = CutsTheDatabase(inner, refused="")
    relay = outbox.OutboxRelay(engine, publisher, listen_dsn=listen_dsn)  # type: ignore[arg-type]
    try:
        async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
            with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for a dropped connection
                await relay.drain_once()
            assert all(r.published_at is None for r in await rows(kit_engine))
            await proxy.restore()
            assert await relay.drain_once() == 0  # marks what was confirmed, publishes nothing again
            await tap.wait_for(4)
            await tap.settle(0.3)
        assert all(r.published_at is not None for r in await rows(kit_engine))
        assert set(Counter(b["event_id"] for b in tap.bodies()).values()) == {1}
        assert len(publisher.published) == 4
    finally:
        await inner.close()
        await proxy.close()
        await engine.dispose()


async def test_a_full_batch_with_its_confirms_awaited_together_leaves_in_the_written_order(
    kit_engine, kit_sessions, listen_dsn, amqp_url, amqp_namespace
):
    ticket = uuid.uuid4()
    envelopes = [ticket_created(ticket, version=v) for v in range(1, 151)]
    await stage(kit_sessions, envelopes, key=str(ticket))
    publisher = AmqpPublisher(amqp_url, Topology(amqp_namespace))
    relay = outbox.OutboxRelay(kit_engine, publisher, listen_dsn=listen_dsn, batch_size=100)
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        assert await relay.drain_once() == 100
        assert await relay.drain_once() == 50
        await tap.wait_for(150)
    await publisher.close()
    assert [b["payload"]["ticket"]["ticket_version"] for b in tap.bodies()] == list(range(1, 151))
