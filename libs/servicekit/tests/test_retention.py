"""The retention purge against real PostgreSQL: what is older than the retention goes, the rest stays."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace

from sqlalchemy import text

from helpdesk_servicekit.retention import purge_loop, purge_once

DAY = 24 * 3600.0


async def add_rows(engine, *, age_days: float, count: int, tag: str) -> None:
    async with engine.begin() as conn:
        for n in range(count):
            at = {"age": age_days * DAY}
            await conn.execute(
                text(
                    "INSERT INTO processed_events (merchant_id, consumer, event_id, event_type, processed_at)"
                    " VALUES ('m1', :c, :e, 'ticket.created', now() - make_interval(secs => :age))"
                ),
                at | {"c": tag, "e": uuid.uuid4()},
            )
            await conn.execute(
                text(
                    "INSERT INTO idempotency_keys (merchant_id, user_id, key, request_hash, created_at)"
                    " VALUES ('m1', :u, :k, 'h', now() - make_interval(secs => :age))"
                ),
                at | {"u": tag, "k": f"{tag}-{n}"},
            )


async def remaining(engine) -> dict[str, list[str]]:
    async with engine.connect() as conn:
        events = (await conn.execute(text("SELECT DISTINCT consumer FROM processed_events ORDER BY 1"))).scalars()
        keys = (await conn.execute(text("SELECT DISTINCT user_id FROM idempotency_keys ORDER BY 1"))).scalars()
        return {"processed_events": list(events), "idempotency_keys": list(keys)}


async def test_rows_older_than_the_retention_are_purged_in_batches_and_newer_ones_kept(kit_engine):
    await add_rows(kit_engine, age_days=30, count=11, tag="old")
    await add_rows(kit_engine, age_days=7.01, count=2, tag="just-over")
    await add_rows(kit_engine, age_days=6.99, count=3, tag="just-under")
    await add_rows(kit_engine, age_days=0, count=3, tag="new")
    deleted = await purge_once(kit_engine, 7 * DAY, batch_size=4)
    assert deleted == {"processed_events": 13, "idempotency_keys": 13}
    kept = ["just-under", "new"]
    assert await remaining(kit_engine) == {"processed_events": kept, "idempotency_keys": kept}
    assert await purge_once(kit_engine, 7 * DAY, batch_size=4) == {"processed_events": 0, "idempotency_keys": 0}


async def test_the_purge_loop_purges_at_start_and_stops_when_told(kit_engine):
    await add_rows(kit_engine, age_days=8, count=2, tag="old")
    await add_rows(kit_engine, age_days=1, count=2, tag="recent")
    settings = SimpleNamespace(retention_seconds=7 * DAY, retention_purge_interval_seconds=DAY)
    stop = asyncio.Event()
    task = asyncio.create_task(purge_loop(SimpleNamespace(settings=settings, engine=kit_engine), stop))  # type: ignore[arg-type]
    for _ in range(100):
        if (await remaining(kit_engine))["idempotency_keys"] == ["recent"]:
            break
        await asyncio.sleep(0.05)
    assert await remaining(kit_engine) == {"processed_events": ["recent"], "idempotency_keys": ["recent"]}
    stop.set()
    await asyncio.wait_for(task, 2)
