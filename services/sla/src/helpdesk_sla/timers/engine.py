"""The timer worker: sleeps until the earliest SLA timer (or its longest nap), is woken early through servicekit's
`wakeup.Waker` when a use case plans a timer due sooner, and fires what is due in rounds (see
clocks.service.fire_due). Any number of workers may share one database.

Why not servicekit's TimerWorker: that one runs a handler per timer row, each in its own savepoint with its own
queries. Firing 1,000 SLA deadlines a second needs the per-round cost to stay flat: this worker claims a batch of
tickets, loads their clocks, policies and timers with one query each, and writes clocks, timers and outbox rows with
one statement, whatever the batch size.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_servicekit.wakeup import Waker
from helpdesk_sla.clocks import service
from helpdesk_sla.clocks.repository import TIMER_CHANNEL

log = logging.getLogger(__name__)

# Due rows remain but their tickets are held by another transaction (a consumer, another worker): let it finish.
CONTENDED_PAUSE = 0.02
# A round touches a handful of rows by key, but the planner sizes its joins for the batch limit (500) and on a
# mid-sized table picks hash joins over sequential scans: ten times slower. The lanes' connections are their own
# (discarded, never returned to the pool), so they plan every statement with its values and join by index.
PLANNER_SETTINGS = ("plan_cache_mode = force_custom_plan", "enable_hashjoin = off", "enable_mergejoin = off")


@dataclass(frozen=True)
class RoundStats:
    """One round: tickets handled, events written (by type), wall time and this process's CPU time (the rest is
    waiting)."""

    tickets: int
    events: Counter[str]
    seconds: float
    cpu_seconds: float


class TimerEngine:
    """Fires SLA timers as they come due, until told to stop.

    It runs `lanes` rounds at a time, each on a connection of its own: while one lane waits for PostgreSQL another
    does its Python work. Lanes (like replicas) never fire the same ticket: a round locks its tickets and the others
    skip locked ones. Each lane sleeps on its own Waker (a local commit that staged the timer channel, or another
    replica's coalesced NOTIFY, wakes it).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        listen_dsn: str,
        batch_size: int = 500,
        max_sleep: float = 5.0,
        lanes: int = 1,
        on_round: Callable[[RoundStats], None] | None = None,
    ) -> None:
        self.engine = engine
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.max_sleep = max_sleep
        self.on_round = on_round
        self.fired = 0
        self._lanes = [_Lane(self) for _ in range(max(1, lanes))]

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due timers until `stop`; each lane sleeps until the next one, a wake-up, or `max_sleep`."""
        # A full garbage collection walks every object in the process (the app, its modules, the caches) and
        # stalled firing for 100-250 ms in the benchmark. What is alive by now lives as long as the process, so
        # move it out of the collector's sight; full collections then only walk what came later.
        gc.freeze()
        await asyncio.gather(*(lane.run(stop) for lane in self._lanes))


class _Lane:
    """One round at a time on one connection kept for the lane's life (no pool checkout or ping per round)."""

    def __init__(self, owner: TimerEngine) -> None:
        self.owner = owner
        self.waker = Waker(TIMER_CHANNEL, owner.listen_dsn)
        self.round_started = time.monotonic()
        self.connection: AsyncConnection | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.0
        try:
            while not stop.is_set():
                # Wake-ups from here on mean "look again": a timer planned during the round may be due sooner.
                await self.waker.arm()
                try:
                    done = await self.fire_round()
                    # Keep going while rounds find work: a backlog (after downtime, say) drains without naps.
                    while done.tickets and not stop.is_set():
                        done = await self.fire_round()
                    sleep = self.seconds_until(done)
                    backoff = 0.0
                except Exception as exc:  # database away: try again shortly, every timer is still there
                    await self.drop_connection()
                    backoff = min(10.0, max(0.2, backoff * 2))
                    log.warning("SLA timer worker paused %.1fs: %s", backoff, exc)
                    sleep = backoff
                if sleep > 0 and not self.waker.woken:
                    await self.waker.sleep(stop, sleep)
        finally:
            await self.waker.close()
            await self.drop_connection()

    async def fire_round(self) -> service.FiringRound:
        owner = self.owner
        started, cpu = time.perf_counter(), time.process_time()
        self.round_started = time.monotonic()
        done = await service.fire_due(await self.session_factory(), owner.batch_size)
        owner.fired += done.events.total()
        if owner.on_round is not None:
            elapsed = time.perf_counter() - started
            owner.on_round(RoundStats(done.tickets, done.events, elapsed, time.process_time() - cpu))
        return done

    def seconds_until(self, done: service.FiringRound) -> float:
        """How long to nap, by the database's clock: from the round's `claimed_at` to the earliest timer, less the
        time since the round started (measured here with a monotonic clock, which skew does not affect)."""
        earliest = done.next_fire_at
        if earliest is None:
            return self.owner.max_sleep
        since_round = time.monotonic() - self.round_started
        seconds = (earliest - done.claimed_at).total_seconds() - since_round
        if seconds > 0:
            return min(self.owner.max_sleep, seconds)
        # Due already: came due during the round (go again now), or was due but held by another lane, replica or
        # consumer (let it finish).
        return CONTENDED_PAUSE if earliest <= done.claimed_at else 0.0

    async def session_factory(self) -> async_sessionmaker[AsyncSession]:
        if self.sessions is None or self.connection is None or self.connection.closed:
            connection = await self.owner.engine.connect()
            for setting in PLANNER_SETTINGS:
                await connection.exec_driver_sql(f"SET {setting}")
            await connection.commit()
            self.connection = connection
            self.sessions = async_sessionmaker(bind=connection, expire_on_commit=False, autoflush=False)
        return self.sessions

    async def drop_connection(self) -> None:
        connection, self.connection, self.sessions = self.connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()
