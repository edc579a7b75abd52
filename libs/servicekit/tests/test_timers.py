import asyncio
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY
from sqlalchemy import text

from helpdesk_servicekit import timers


async def record_firing(session, timer):
    await session.execute(
        text("INSERT INTO probe (merchant_id, note) VALUES (:m, :n)"), {"m": timer.merchant_id, "n": timer.key}
    )


async def fired_notes(sessions):
    async with sessions() as session:
        return list((await session.execute(text("SELECT note FROM probe ORDER BY note"))).scalars())


async def plan(sessions, keys, fire_at):
    async with sessions() as session:
        for key in keys:
            await timers.schedule(session, merchant_id="m1", kind="probe", key=key, fire_at=fire_at)
        await session.commit()


async def test_two_workers_fire_every_timer_exactly_once(kit_engine, kit_sessions, listen_dsn):
    now = datetime.now(UTC)
    keys = [f"k{i:03d}" for i in range(200)]
    await plan(kit_sessions, keys[:100], now - timedelta(seconds=1))
    workers = [
        timers.TimerWorker(kit_engine, kit_sessions, {"probe": record_firing}, listen_dsn=listen_dsn, batch_size=13)
        for _ in range(2)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    await plan(kit_sessions, keys[100:], datetime.now(UTC) + timedelta(milliseconds=300))
    for _ in range(100):
        if len(await fired_notes(kit_sessions)) >= len(keys):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*tasks)
    assert await fired_notes(kit_sessions) == keys
    assert sum(w.fired for w in workers) == len(keys)


async def test_a_timer_that_came_due_while_no_worker_ran_fires_at_start(kit_engine, kit_sessions, listen_dsn):
    await plan(kit_sessions, ["missed"], datetime.now(UTC) - timedelta(minutes=5))
    worker = timers.TimerWorker(kit_engine, kit_sessions, {"probe": record_firing}, listen_dsn=listen_dsn)
    assert await worker.fire_due() == 1
    assert await fired_notes(kit_sessions) == ["missed"]


async def test_replanning_a_timer_replaces_it_and_cancel_removes_it(kit_engine, kit_sessions, listen_dsn):
    past = datetime.now(UTC) - timedelta(seconds=1)
    await plan(kit_sessions, ["a", "b"], datetime.now(UTC) + timedelta(hours=1))
    await plan(kit_sessions, ["a"], past)
    async with kit_sessions() as session:
        await timers.cancel(session, merchant_id="m1", kind="probe", key="b")
        await session.commit()
    worker = timers.TimerWorker(kit_engine, kit_sessions, {"probe": record_firing}, listen_dsn=listen_dsn)
    await worker.fire_due()
    assert await fired_notes(kit_sessions) == ["a"]
    async with kit_engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM timers")) == 0


async def test_a_failing_timer_is_retried_later_and_does_not_block_others(kit_engine, kit_sessions, listen_dsn):
    async def flaky(session, timer):
        if timer.key == "bad":
            raise RuntimeError("downstream refused")
        await record_firing(session, timer)

    await plan(kit_sessions, ["bad", "good"], datetime.now(UTC) - timedelta(seconds=1))
    worker = timers.TimerWorker(kit_engine, kit_sessions, {"probe": flaky}, listen_dsn=listen_dsn)
    await worker.fire_due()
    assert await fired_notes(kit_sessions) == ["good"]
    async with kit_engine.connect() as conn:
        row = (await conn.execute(text("SELECT attempts, fire_at > now() AS later FROM timers"))).one()
    assert row.attempts == 1 and row.later


def sample(name, kind="probe"):
    return REGISTRY.get_sample_value(name, {"kind": kind}) or 0.0


async def test_a_timer_that_keeps_failing_is_parked_visibly_not_deleted(kit_engine, kit_sessions, listen_dsn):
    healthy = False

    async def fails_until_fixed(session, timer):
        if not healthy:
            raise RuntimeError("downstream refused")
        await record_firing(session, timer)

    await plan(kit_sessions, ["stuck"], datetime.now(UTC) - timedelta(seconds=1))
    worker = timers.TimerWorker(
        kit_engine,
        kit_sessions,
        {"probe": fails_until_fixed},
        listen_dsn=listen_dsn,
        retry_after=timedelta(0),
        max_attempts=3,
    )
    parked_before = sample("helpdesk_timers_parkings_total")
    assert [await worker.fire_due() for _ in range(4)] == [1, 1, 1, 0]
    async with kit_engine.connect() as conn:
        row = (await conn.execute(text("SELECT kind, key, attempts, payload, fire_at FROM timers"))).one()
    assert (row.kind, row.key, row.attempts) == ("parked:probe", "stuck", 3)
    assert "downstream refused" in row.payload["_parked"]["error"] and row.payload["_parked"]["at"]
    assert sample("helpdesk_timers_parked") == 1
    assert sample("helpdesk_timers_parkings_total") == parked_before + 1
    assert await worker.seconds_until_next() == worker.max_sleep  # a parked timer wakes nobody

    healthy = True
    async with kit_sessions() as session:
        assert await timers.unpark(session, kind="probe") == 1
        await session.commit()
    assert await worker.fire_due() == 1
    assert await fired_notes(kit_sessions) == ["stuck"]
    await worker.refresh_parked_gauge()
    assert sample("helpdesk_timers_parked") == 0


async def test_the_worker_sleeps_by_the_database_clock(kit_engine, kit_sessions, listen_dsn, monkeypatch):
    async with kit_sessions() as session:
        await session.execute(
            text(
                "INSERT INTO timers (merchant_id, kind, key, fire_at, payload)"
                " VALUES ('m1', 'probe', 'soon', now() + interval '3 seconds', '{}')"
            )
        )
        await session.commit()

    class AnHourFast(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(hours=1)

    monkeypatch.setattr(timers, "datetime", AnHourFast, raising=False)
    worker = timers.TimerWorker(kit_engine, kit_sessions, {"probe": record_firing}, listen_dsn=listen_dsn, max_sleep=10)
    assert 2.0 < await worker.seconds_until_next() <= 3.0
    assert await worker.fire_due() == 0


async def probe_tickets(kit_engine, status):
    async with kit_engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS probe_ticket (id text PRIMARY KEY, status text)"))
        await conn.execute(text("INSERT INTO probe_ticket VALUES ('t1', :s)"), {"s": status})


async def close_if_resolved(session, timer):
    """Like tickets' auto-close: lock the entity, re-check, then act."""
    status = await session.scalar(text("SELECT status FROM probe_ticket WHERE id = :k FOR UPDATE"), {"k": timer.key})
    if status == "resolved":
        await session.execute(text("UPDATE probe_ticket SET status = 'closed' WHERE id = :k"), {"k": timer.key})


async def wait_for_a_lock_wait(kit_engine):
    for _ in range(200):
        async with kit_engine.connect() as conn:
            if await conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the worker never waited for the ticket")


async def test_cancel_never_waits_for_a_timer_the_worker_is_firing(kit_engine, kit_sessions, listen_dsn):
    await probe_tickets(kit_engine, "resolved")
    await plan(kit_sessions, ["t1"], datetime.now(UTC) - timedelta(seconds=1))
    worker = timers.TimerWorker(
        kit_engine,
        kit_sessions,
        {"probe": close_if_resolved},
        listen_dsn=listen_dsn,
        retry_busy=timedelta(0),
        handler_lock_timeout=timedelta(seconds=5),
    )
    async with kit_sessions() as reopen:  # the use case: ticket first, then its timer
        await reopen.execute(text("SELECT status FROM probe_ticket WHERE id = 't1' FOR UPDATE"))
        firing = asyncio.create_task(worker.fire_due())  # timer first, then the ticket
        await wait_for_a_lock_wait(kit_engine)
        await reopen.execute(text("UPDATE probe_ticket SET status = 'reopened' WHERE id = 't1'"))
        started = asyncio.get_running_loop().time()
        await timers.cancel(reopen, merchant_id="m1", kind="probe", key="t1")
        assert asyncio.get_running_loop().time() - started < 0.3
        await reopen.commit()
    assert await asyncio.wait_for(firing, 5) == 1
    async with kit_engine.connect() as conn:
        assert await conn.scalar(text("SELECT status FROM probe_ticket")) == "reopened"
        assert await conn.scalar(text("SELECT count(*) FROM timers")) == 0  # fired as a no-op, not re-planned


async def test_replanning_while_the_worker_waits_for_the_entity_never_deadlocks(kit_engine, kit_sessions, listen_dsn):
    await probe_tickets(kit_engine, "resolved")
    await plan(kit_sessions, ["t1"], datetime.now(UTC) - timedelta(seconds=1))
    worker = timers.TimerWorker(
        kit_engine,
        kit_sessions,
        {"probe": close_if_resolved},
        listen_dsn=listen_dsn,
        retry_busy=timedelta(0),
        handler_lock_timeout=timedelta(milliseconds=200),
    )
    later = datetime.now(UTC) + timedelta(hours=1)
    async with kit_sessions() as resolve_again:
        await resolve_again.execute(text("SELECT status FROM probe_ticket WHERE id = 't1' FOR UPDATE"))
        firing = asyncio.create_task(worker.fire_due())
        await wait_for_a_lock_wait(kit_engine)
        await timers.schedule(resolve_again, merchant_id="m1", kind="probe", key="t1", fire_at=later)
        await resolve_again.commit()
    assert await asyncio.wait_for(firing, 5) == 1  # the handler gave way; no deadlock error on either side
    async with kit_engine.connect() as conn:
        row = (await conn.execute(text("SELECT fire_at, attempts FROM timers"))).one()
        assert await conn.scalar(text("SELECT status FROM probe_ticket")) == "resolved"
    assert (row.fire_at, row.attempts) == (later, 0)
