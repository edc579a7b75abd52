import asyncio
from datetime import UTC, datetime, timedelta

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
