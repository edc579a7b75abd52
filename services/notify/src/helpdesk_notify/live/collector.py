"""Garbage collection on a schedule, for a process that holds thousands of sockets.

Every socket keeps hundreds of long-lived objects; at 5,000 sockets CPython's automatic full collection walks
millions of them at moments it picks itself, and every push in flight waits (measured: p99 from ~0.15 s to
several seconds in bench/notify_ws.py). Notify turns the automatic *full* collection off and runs one on its own
fixed schedule; the young generations are still collected automatically, so short-lived garbage goes as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator

log = logging.getLogger(__name__)

NEVER = 1_000_000_000


@contextlib.asynccontextmanager
async def scheduled_full_collections(every_seconds: float) -> AsyncIterator[None]:
    """While the block runs, full collections happen every `every_seconds` (0 leaves CPython's own policy)."""
    if every_seconds <= 0:
        yield
        return
    previous = gc.get_threshold()
    gc.set_threshold(previous[0], previous[1], NEVER)
    task = asyncio.create_task(_collect_every(every_seconds))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        gc.set_threshold(*previous)


async def _collect_every(seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        started = time.perf_counter()
        found = gc.collect()
        log.info("full collection: %d unreachable objects in %.0f ms", found, (time.perf_counter() - started) * 1000)
