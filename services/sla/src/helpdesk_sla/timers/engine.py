"""The timer worker: sleeps until the earliest SLA timer, is woken early by NOTIFY when an earlier one is planned,
and fires what is due in rounds (see clocks.service.fire_due). Any number of workers may share one database.

Why not servicekit's TimerWorker: that one runs a handler per timer row, each in its own savepoint with its own
queries, and adds a NOTIFY per scheduled row. Firing 1,000 SLA deadlines a second needs the per-round cost to stay
flat: this worker claims a batch of tickets, loads their clocks, policies and timers with one query each, and writes
clocks, timers and outbox rows with one statement each, whatever the batch size.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_sla.clocks import service
from helpdesk_sla.clocks.repository import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

# Due rows remain but their tickets are held by another transaction (a consumer, another worker): let it finish.
CONTENDED_PAUSE = 0.02


@dataclass(frozen=True)
class RoundStats:
    """One round: tickets handled, events written, wall time and this process's CPU time (the rest is waiting)."""

    tickets: int
    events: int
    seconds: float
    cpu_seconds: float


class TimerEngine:
    """Fires SLA timers as they come due, until told to stop."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        listen_dsn: str,
        batch_size: int = 500,
        max_sleep: float = 5.0,
        on_round: Callable[[RoundStats], None] | None = None,
    ) -> None:
        self.engine = engine
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.max_sleep = max_sleep
        self.on_round = on_round
        self.fired = 0
        self._wake = asyncio.Event()
        self._sleeping_until: datetime | None = None
        self._notified_min: datetime | None = None
        self._listener: Any = None
        self._connection: AsyncConnection | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    async def fire_round(self) -> service.FiringRound:
        started, cpu = time.perf_counter(), time.process_time()
        done = await service.fire_due(await self._session_factory(), self.batch_size)
        self.fired += done.events
        if self.on_round is not None:
            elapsed = time.perf_counter() - started
            self.on_round(RoundStats(done.tickets, done.events, elapsed, time.process_time() - cpu))
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due timers until `stop`; sleep until the next one, an earlier plan, or `max_sleep`."""
        backoff = 0.0
        while not stop.is_set():
            if self._listener is None or self._listener.is_closed():
                await self._listen()
            self._wake.clear()
            self._sleeping_until = None
            try:
                done = await self.fire_round()
                while done.tickets >= self.batch_size and not stop.is_set():
                    done = await self.fire_round()
                sleep = self._seconds_until(done)
                backoff = 0.0
            except Exception as exc:  # database away: try again shortly, every timer is still there
                await self._drop_connection()
                backoff = min(10.0, max(0.2, backoff * 2))
                log.warning("SLA timer worker paused %.1fs: %s", backoff, exc)
                sleep = backoff
            self._sleeping_until = datetime.now(UTC) + timedelta(seconds=sleep)
            if sleep <= 0 or self._wake.is_set():
                continue
            waiter, stopper = asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=sleep, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
        await self._close_listener()
        await self._drop_connection()

    async def _session_factory(self) -> async_sessionmaker[AsyncSession]:
        """Sessions on one connection kept for the worker's life: a round pays no pool checkout or ping."""
        if self._sessions is None or self._connection is None or self._connection.closed:
            self._connection = await self.engine.connect()
            self._sessions = async_sessionmaker(bind=self._connection, expire_on_commit=False, autoflush=False)
        return self._sessions

    async def _drop_connection(self) -> None:
        connection, self._connection, self._sessions = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()

    def _seconds_until(self, done: service.FiringRound) -> float:
        candidates = [at for at in (done.next_fire_at, self._notified_min) if at is not None]
        self._notified_min = None
        if not candidates:
            return self.max_sleep
        earliest = min(candidates)
        seconds = (earliest - datetime.now(UTC)).total_seconds()
        if seconds > 0:
            return min(self.max_sleep, seconds)
        # Due already: came due during the round (go again now), or was due but not claimable (contended).
        contended = done.tickets == 0 and earliest <= done.claimed_at
        return CONTENDED_PAUSE if contended else 0.0

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            at = datetime.fromisoformat(payload)
        except ValueError:
            at = datetime.now(UTC)
        if self._sleeping_until is None:  # mid-round: remember it for the next nap
            self._notified_min = at if self._notified_min is None else min(self._notified_min, at)
        elif at < self._sleeping_until:
            self._wake.set()

    async def _listen(self) -> None:
        try:
            self._listener = await asyncpg.connect(self.listen_dsn)
            await self._listener.add_listener(NOTIFY_CHANNEL, self._notified)
        except Exception as exc:  # polling every max_sleep still covers us
            log.warning("SLA timer LISTEN unavailable: %s", exc)
            self._listener = None

    async def _close_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            with contextlib.suppress(Exception):
                await self._listener.close()
