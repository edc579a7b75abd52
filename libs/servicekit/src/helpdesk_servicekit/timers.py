"""Durable timers: a row per pending deadline, fired exactly once across replicas and restarts.

A worker sleeps until the earliest `fire_at` (or until woken when an earlier timer is planned: in this
process at once, from other replicas by a coalesced NOTIFY), claims due rows with FOR UPDATE SKIP LOCKED,
and runs each handler in the same transaction that deletes the row, so the handler's effects (and the
outbox rows it writes) commit with the firing. "Due" is the database's clock, in the claim and in the sleep.

Lock order. The worker locks the timer row, then its handler locks the entity (say, the ticket); use cases
lock the entity, then cancel or re-plan its timers. Two rules keep that from ever deadlocking: `cancel`
skips a row the worker holds instead of waiting for it (FOR UPDATE SKIP LOCKED), and a handler waits at most
`handler_lock_timeout` for a lock (then it is retried shortly, not counted as a failed attempt, and the
worker moves on and commits, releasing the timer rows a `schedule` may be waiting for). The price is that a
timer cancelled while it is being fired still fires. Hence the rule for every handler: lock your entity
(SELECT ... FOR UPDATE) and re-check its state before acting; do nothing when the timer no longer applies.
Deadlocks and serialization failures inside a handler are retried the same way.

A timer that keeps failing is parked, not deleted: after `max_attempts` its kind becomes `parked:<kind>`
(no worker claims it), its payload keeps the last error under `_parked`, `helpdesk_timers_parked{kind}`
counts it, and `unpark` puts it back once the cause is fixed. Re-planning the same timer supersedes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from helpdesk_servicekit import wakeup
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.failures import infrastructure_failure

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "helpdesk_timers"
PARKED_PREFIX = "parked:"

TIMERS_PARKED = Gauge("helpdesk_timers_parked", "Timers parked after failing max_attempts times", ["kind"])
TIMERS_PARKED_TOTAL = Counter("helpdesk_timers_parkings", "Timers parked (cumulative)", ["kind"])


class Timer(SQLModel, table=True):
    """A pending deadline; `(merchant_id, kind, key)` names it so re-planning replaces it."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("merchant_id", "kind", "key", name="uq_timers_merchant_kind_key"),
        Index("ix_timers_fire_at", "fire_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    merchant_id: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(sa_column=Column(Text, nullable=False))
    key: str = Field(sa_column=Column(Text, nullable=False))
    fire_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


@dataclass(frozen=True)
class DueTimer:
    id: int
    merchant_id: str
    kind: str
    key: str
    fire_at: datetime
    payload: dict[str, Any]
    attempts: int


TimerHandler = Callable[[AsyncSession, DueTimer], Awaitable[None]]


async def schedule(
    session: AsyncSession,
    *,
    merchant_id: str,
    kind: str,
    key: str,
    fire_at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Plan (or re-plan) the timer named (merchant_id, kind, key) in the caller's transaction."""
    await session.execute(
        text(
            "INSERT INTO timers (merchant_id, kind, key, fire_at, payload) VALUES (:m, :k, :key, :f, CAST(:p AS jsonb))"
            " ON CONFLICT (merchant_id, kind, key) DO UPDATE SET fire_at = EXCLUDED.fire_at,"
            " payload = EXCLUDED.payload, attempts = 0"
        ),
        {"m": merchant_id, "k": kind, "key": key, "f": fire_at, "p": _json(payload or {})},
    )
    wakeup.stage(session, NOTIFY_CHANNEL)


async def cancel(session: AsyncSession, *, merchant_id: str, kind: str, key: str | None = None) -> int:
    """Drop the named timer (or every timer of `kind` whose key starts with `key` when key ends with '*').

    Never waits: a timer the worker is firing right now is skipped (it fires; its handler re-checks state).
    """
    if key is not None and key.endswith("*"):
        match = "key LIKE :key"
        key = key[:-1].replace("%", r"\%").replace("_", r"\_") + "%"
    else:
        match = "key = :key"
    result = await session.execute(
        text(
            "DELETE FROM timers WHERE id = ANY(ARRAY("
            f"SELECT id FROM timers WHERE merchant_id = :m AND kind = :k AND {match} FOR UPDATE SKIP LOCKED))"
        ),
        {"m": merchant_id, "k": kind, "key": key},
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def unpark(session: AsyncSession, *, kind: str, merchant_id: str | None = None) -> int:
    """Put parked timers of `kind` back to fire now (attempts reset); a parked timer re-planned since is dropped."""
    params = {"pk": PARKED_PREFIX + kind, "k": kind, "m": merchant_id}
    merchant = "AND p.merchant_id = :m" if merchant_id is not None else ""
    await session.execute(
        text(
            f"DELETE FROM timers p WHERE p.kind = :pk {merchant} AND EXISTS ("
            "SELECT 1 FROM timers t WHERE t.merchant_id = p.merchant_id AND t.kind = :k AND t.key = p.key)"
        ),
        params,
    )
    result = await session.execute(
        text(
            "UPDATE timers p SET kind = :k, attempts = 0, fire_at = now(), payload = payload - '_parked'"
            f" WHERE p.kind = :pk {merchant}"
        ),
        params,
    )
    wakeup.stage(session, NOTIFY_CHANNEL)
    return result.rowcount or 0  # type: ignore[attr-defined]


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, default=str)


class TimerWorker:
    """Fires due timers; any number of workers may run against one database."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        handlers: dict[str, TimerHandler],
        *,
        listen_dsn: str,
        batch_size: int = 500,
        max_sleep: float = 5.0,
        retry_after: timedelta = timedelta(seconds=5),
        retry_busy: timedelta = timedelta(seconds=1),
        handler_lock_timeout: timedelta = timedelta(milliseconds=500),
        max_attempts: int = 20,
        gauge_seconds: float = 60.0,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.handlers = handlers
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.max_sleep = max_sleep
        self.retry_after = retry_after
        self.retry_busy = retry_busy
        self.handler_lock_timeout = handler_lock_timeout
        self.max_attempts = max_attempts
        self.gauge_seconds = gauge_seconds
        self._gauge_at = 0.0
        self.waker = wakeup.Waker(NOTIFY_CHANNEL, listen_dsn)
        self.fired = 0

    async def fire_due(self) -> int:
        """Fire every timer due now in one transaction; returns how many fired."""
        kinds = list(self.handlers)
        async with unit_of_work(self.sessions) as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT id, merchant_id, kind, key, fire_at, payload, attempts FROM timers"
                        " WHERE fire_at <= now() AND kind = ANY(:kinds) ORDER BY fire_at LIMIT :n"
                        " FOR UPDATE SKIP LOCKED"
                    ),
                    {"kinds": kinds, "n": self.batch_size},
                )
            ).all()
            if not rows:
                return 0
            # Below PostgreSQL's deadlock_timeout (1 s): a handler gives way before a deadlock can form.
            lock_timeout_ms = max(1, int(self.handler_lock_timeout.total_seconds() * 1000))
            await session.execute(text("SELECT set_config('lock_timeout', :v, true)"), {"v": f"{lock_timeout_ms}ms"})
            fired: list[int] = []
            parked = False
            for row in rows:
                timer = DueTimer(row.id, row.merchant_id, row.kind, row.key, row.fire_at, row.payload, row.attempts)
                try:
                    async with session.begin_nested():
                        await self.handlers[timer.kind](session, timer)
                    fired.append(timer.id)
                except Exception as exc:
                    if _busy(exc):
                        log.info("timer %s/%s met a held lock or conflict, retrying: %s", timer.kind, timer.key, exc)
                        await session.execute(
                            text("UPDATE timers SET fire_at = now() + :d WHERE id = :id"),
                            {"d": self.retry_busy, "id": timer.id},
                        )
                        continue
                    log.exception("timer %s/%s failed (attempt %d)", timer.kind, timer.key, timer.attempts + 1)
                    parked = await self._postpone(session, timer, exc) or parked
            if fired:
                await session.execute(text("DELETE FROM timers WHERE id = ANY(:ids)"), {"ids": fired})
            await session.commit()
        self.fired += len(fired)
        if parked:
            await self.refresh_parked_gauge()
        return len(rows)

    async def _postpone(self, session: AsyncSession, timer: DueTimer, error: Exception) -> bool:
        """Retry later with a growing delay, or park the timer once it failed `max_attempts` times (True)."""
        if timer.attempts + 1 < self.max_attempts:
            await session.execute(
                text("UPDATE timers SET attempts = attempts + 1, fire_at = now() + :d WHERE id = :id"),
                {"d": self.retry_after * (timer.attempts + 1), "id": timer.id},
            )
            return False
        log.error("timer %s/%s parked after %d attempts: %s", timer.kind, timer.key, timer.attempts + 1, error)
        parked_kind = PARKED_PREFIX + timer.kind
        await session.execute(  # an older parked copy of the same timer is superseded
            text("DELETE FROM timers WHERE merchant_id = :m AND kind = :pk AND key = :key"),
            {"m": timer.merchant_id, "pk": parked_kind, "key": timer.key},
        )
        note = {"error": f"{type(error).__name__}: {error}"[:2000], "attempts": timer.attempts + 1}
        await session.execute(
            text(
                "UPDATE timers SET kind = :pk, attempts = attempts + 1, fire_at = 'infinity',"
                " payload = payload || jsonb_build_object('_parked', CAST(:note AS jsonb) ||"
                " jsonb_build_object('at', now())) WHERE id = :id"
            ),
            {"pk": parked_kind, "note": _json(note), "id": timer.id},
        )
        TIMERS_PARKED_TOTAL.labels(timer.kind).inc()
        return True

    async def refresh_parked_gauge(self) -> None:
        """Set `helpdesk_timers_parked{kind}` from the table (parked timers may be unparked by hand)."""
        self._gauge_at = time.monotonic()
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT kind, count(*) AS n FROM timers WHERE kind = ANY(:parked) GROUP BY kind"),
                    {"parked": [PARKED_PREFIX + kind for kind in self.handlers]},
                )
            ).all()
        counts = {row.kind.removeprefix(PARKED_PREFIX): row.n for row in rows}
        for kind in self.handlers:
            TIMERS_PARKED.labels(kind).set(counts.get(kind, 0))

    async def seconds_until_next(self) -> float:
        """Seconds until the earliest timer is due, by the database's clock (capped at max_sleep)."""
        async with self.engine.connect() as conn:
            wait = await conn.scalar(
                text("SELECT EXTRACT(EPOCH FROM min(fire_at) - now()) FROM timers WHERE kind = ANY(:kinds)"),
                {"kinds": list(self.handlers)},
            )
        if wait is None:
            return self.max_sleep
        return max(0.0, min(self.max_sleep, float(wait)))

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due timers until `stop`; sleep until the next one, an earlier plan, or max_sleep."""
        backoff = 0.0
        while not stop.is_set():
            await self.waker.arm()
            try:
                while await self.fire_due() >= self.batch_size and not stop.is_set():
                    pass
                if time.monotonic() - self._gauge_at >= self.gauge_seconds:
                    await self.refresh_parked_gauge()
                sleep = await self.seconds_until_next()
                backoff = 0.0
            except Exception as exc:  # database away: try again shortly, nothing is lost
                backoff = min(10.0, max(0.2, backoff * 2))
                log.warning("timer worker paused %.1fs: %s", backoff, exc)
                sleep = backoff
            if sleep > 0:
                await self.waker.sleep(stop, sleep)
        await self.waker.close()


def _busy(error: BaseException) -> bool:
    """A lock held elsewhere (NOWAIT), a deadlock or a serialization failure: try again soon, not a failure."""
    if infrastructure_failure(error) == "concurrent update conflict":
        return True
    current: BaseException | None = error
    while current is not None:
        if str(getattr(current, "sqlstate", "") or getattr(current, "pgcode", "")) == "55P03":
            return True
        current = getattr(current, "orig", None) or current.__cause__
    return False


def new_key() -> str:
    return uuid.uuid4().hex
