"""Durable timers: a row per pending deadline, fired exactly once across replicas and restarts.

A worker sleeps until the earliest `fire_at` (or until woken when an earlier timer is planned: in this
process at once, from other replicas by a coalesced NOTIFY), claims due rows with FOR UPDATE SKIP LOCKED,
and runs each handler in the same transaction
that deletes the row, so the handler's effects (and the outbox rows it writes) commit with the firing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from helpdesk_servicekit import wakeup
from helpdesk_servicekit.db import unit_of_work

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "helpdesk_timers"


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
    """Drop the named timer (or every timer of `kind` whose key starts with `key` when key ends with '*')."""
    if key is not None and key.endswith("*"):
        result = await session.execute(
            text("DELETE FROM timers WHERE merchant_id = :m AND kind = :k AND key LIKE :prefix"),
            {"m": merchant_id, "k": kind, "prefix": key[:-1].replace("%", r"\%").replace("_", r"\_") + "%"},
        )
    else:
        result = await session.execute(
            text("DELETE FROM timers WHERE merchant_id = :m AND kind = :k AND key = :key"),
            {"m": merchant_id, "k": kind, "key": key},
        )
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
        max_attempts: int = 20,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.handlers = handlers
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.max_sleep = max_sleep
        self.retry_after = retry_after
        self.max_attempts = max_attempts
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
            fired: list[int] = []
            for row in rows:
                timer = DueTimer(row.id, row.merchant_id, row.kind, row.key, row.fire_at, row.payload, row.attempts)
                try:
                    async with session.begin_nested():
                        await self.handlers[timer.kind](session, timer)
                    fired.append(timer.id)
                except Exception:
                    log.exception("timer %s/%s failed (attempt %d)", timer.kind, timer.key, timer.attempts + 1)
                    await self._postpone(session, timer)
            if fired:
                await session.execute(text("DELETE FROM timers WHERE id = ANY(:ids)"), {"ids": fired})
            await session.commit()
        self.fired += len(fired)
        return len(rows)

    async def _postpone(self, session: AsyncSession, timer: DueTimer) -> None:
        if timer.attempts + 1 >= self.max_attempts:
            log.error("timer %s/%s dropped after %d attempts", timer.kind, timer.key, timer.attempts + 1)
            await session.execute(text("DELETE FROM timers WHERE id = :id"), {"id": timer.id})
            return
        await session.execute(
            text("UPDATE timers SET attempts = attempts + 1, fire_at = now() + :d WHERE id = :id"),
            {"d": self.retry_after * (timer.attempts + 1), "id": timer.id},
        )

    async def seconds_until_next(self) -> float:
        async with self.engine.connect() as conn:
            next_at = await conn.scalar(
                text("SELECT min(fire_at) FROM timers WHERE kind = ANY(:kinds)"), {"kinds": list(self.handlers)}
            )
        if next_at is None:
            return self.max_sleep
        return max(0.0, min(self.max_sleep, (next_at - datetime.now(UTC)).total_seconds()))

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due timers until `stop`; sleep until the next one, an earlier plan, or max_sleep."""
        backoff = 0.0
        while not stop.is_set():
            await self.waker.arm()
            try:
                while await self.fire_due() >= self.batch_size and not stop.is_set():
                    pass
                sleep = await self.seconds_until_next()
                backoff = 0.0
            except Exception as exc:  # database away: try again shortly, nothing is lost
                backoff = min(10.0, max(0.2, backoff * 2))
                log.warning("timer worker paused %.1fs: %s", backoff, exc)
                sleep = backoff
            if sleep > 0:
                await self.waker.sleep(stop, sleep)
        await self.waker.close()


def new_key() -> str:
    return uuid.uuid4().hex
