"""A daily purge of the bookkeeping tables that grow with traffic: `processed_events` and `idempotency_keys`.

Rows older than the retention (HELPDESK_RETENTION_SECONDS, 7 days by default) go, in batches of a bounded
size, each its own short transaction, so the purge never holds locks on many rows or bloats one transaction.
What the retention means: a redelivery of an event older than the retention would be applied again, and an
Idempotency-Key reused after it runs the request again; both are far beyond any broker redelivery or client
retry window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from helpdesk_servicekit.app import Runtime

log = logging.getLogger(__name__)

# (table, the column that says how old a row is)
PURGED = (("processed_events", "processed_at"), ("idempotency_keys", "created_at"))
RETRY_AFTER_FAILURE_SECONDS = 300.0


async def purge_once(engine: AsyncEngine, retention_seconds: float, *, batch_size: int = 5000) -> dict[str, int]:
    """Delete rows older than `retention_seconds` (database clock), `batch_size` at a time; per-table counts."""
    deleted: dict[str, int] = {}
    for table, column in PURGED:
        statement = text(
            f"DELETE FROM {table} WHERE ctid = ANY(ARRAY("
            f"SELECT ctid FROM {table} WHERE {column} < now() - make_interval(secs => :age) LIMIT :n))"
        )
        deleted[table] = 0
        while True:
            async with engine.begin() as conn:
                result = await conn.execute(statement, {"age": retention_seconds, "n": batch_size})
            count = result.rowcount or 0
            deleted[table] += count
            if count < batch_size:
                break
            await asyncio.sleep(0)  # let the service's own work in between batches
    return deleted


async def purge_loop(runtime: Runtime[Any], stop: asyncio.Event) -> None:
    """Background task: purge at start, then every `retention_purge_interval_seconds` until `stop`."""
    settings = runtime.settings
    while not stop.is_set():
        wait = settings.retention_purge_interval_seconds
        try:
            deleted = await purge_once(runtime.engine, settings.retention_seconds)
            if any(deleted.values()):
                log.info("retention purge deleted %s", ", ".join(f"{n} {t}" for t, n in deleted.items()))
        except Exception as exc:  # the database away: try again later, nothing depends on the purge
            log.warning("retention purge failed, retrying later: %s", exc)
            wait = min(wait, RETRY_AFTER_FAILURE_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
