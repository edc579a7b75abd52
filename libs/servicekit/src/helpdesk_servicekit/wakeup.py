"""Wake background workers when a transaction that staged work commits — without NOTIFY in that transaction.

A NOTIFY inside a business transaction takes PostgreSQL's global notify lock at commit, which serializes
every such commit (and its WAL flush) across the database: measured here, create-ticket throughput fell
to about a tenth. Instead a use case *stages* a channel on its session; after the commit, workers in this
process are woken at once, and a broadcaster sends one coalesced NOTIFY per channel every few milliseconds
for the workers of other replicas, which LISTEN. Polling remains the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_SESSION_KEY = "helpdesk_wake_channels"
_local: dict[str, set[Callable[[], None]]] = defaultdict(set)
_pending: set[str] = set()
_signals: set[asyncio.Event] = set()


def stage(session: AsyncSession, channel: str) -> None:
    """Wake `channel`'s workers once the session's transaction commits (nothing happens on rollback)."""
    session.sync_session.info.setdefault(_SESSION_KEY, set()).add(channel)


def subscribe(channel: str, callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` (in the event loop's thread) after each local commit that staged `channel`."""
    _local[channel].add(callback)
    return lambda: _local[channel].discard(callback)


def wake(channel: str) -> None:
    for callback in list(_local[channel]):
        callback()
    _pending.add(channel)
    for signal in _signals:
        signal.set()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for channel in session.info.pop(_SESSION_KEY, ()):
        wake(channel)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_SESSION_KEY, None)


async def broadcast(dsn: str, stop: asyncio.Event, coalesce_seconds: float = 0.02) -> None:
    """Send one NOTIFY per staged channel, at most every `coalesce_seconds`, for other replicas."""
    signal = asyncio.Event()
    _signals.add(signal)
    conn: asyncpg.Connection | None = None
    try:
        while not stop.is_set():
            waiter = asyncio.create_task(signal.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            if stop.is_set():
                break
            signal.clear()
            channels = list(_pending)
            _pending.clear()
            try:
                if conn is None or conn.is_closed():
                    conn = await asyncpg.connect(dsn)
                for channel in channels:
                    await conn.execute(f"NOTIFY {channel}")
            except Exception as exc:  # other replicas fall back to polling meanwhile
                log.warning("NOTIFY broadcast failed: %s", exc)
                conn = None
            await asyncio.sleep(coalesce_seconds)
    finally:
        _signals.discard(signal)
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await conn.close()


class Waker:
    """What a background worker sleeps on: a local commit, a NOTIFY from another replica, `stop`, or a timeout.

    It keeps a LISTEN connection while the database allows; without one the worker just polls.
    """

    def __init__(self, channel: str, listen_dsn: str) -> None:
        self.channel = channel
        self.listen_dsn = listen_dsn
        self._event = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._unsubscribe = subscribe(channel, self._event.set)

    @property
    def woken(self) -> bool:
        return self._event.is_set()

    async def arm(self) -> None:
        """Forget earlier wake-ups and make sure LISTEN is in place (call before looking for work)."""
        self._event.clear()
        if self._listener is None or self._listener.is_closed():
            try:
                self._listener = await asyncpg.connect(self.listen_dsn)
                await self._listener.add_listener(self.channel, lambda *_: self._event.set())
            except Exception as exc:  # the database may be down; polling covers us
                log.warning("LISTEN %s unavailable: %s", self.channel, exc)
                self._listener = None

    async def sleep(self, stop: asyncio.Event, seconds: float) -> None:
        """Return after `seconds`, or earlier when woken or stopped."""
        waiter = asyncio.create_task(self._event.wait())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({waiter, stopper}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        stopper.cancel()

    async def close(self) -> None:
        self._unsubscribe()
        if self._listener is not None and not self._listener.is_closed():
            with contextlib.suppress(Exception):
                await self._listener.close()
