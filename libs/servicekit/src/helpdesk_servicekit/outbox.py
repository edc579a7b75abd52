"""Transactional outbox: events are rows written in the use case's transaction, published by a relay.

The relay shares work between replicas by partition: every row gets a partition from its ordering key
(the ticket id, say); a relay takes a partition with a session-level advisory lock, reads its oldest unsent
rows, publishes them with publisher confirms on one channel (so they reach the broker in the order they were
written) and records each row's outcome. When a row in the middle of a batch is refused, the confirmed rows
after it stay published and the refused one follows on a retry (consumers never rely on order).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opentelemetry import propagate
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, SmallInteger, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlmodel import Field, SQLModel

from helpdesk_contracts import Payload, envelope_dict
from helpdesk_servicekit import metrics, wakeup
from helpdesk_servicekit.broker import AmqpPublisher, PublishFailed
from helpdesk_servicekit.telemetry import correlation_id, publish_span

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "helpdesk_outbox"
PARTITIONS = 16
# Advisory lock ids PARTITION_LOCK_BASE..+PARTITIONS-1 mean "a relay is draining this partition".
PARTITION_LOCK_BASE = 7_301_000


class OutboxMessage(SQLModel, table=True):
    """An event waiting to be published (a short-lived queue, purged after publishing)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unsent", "partition", "id", postgresql_where=text("published_at IS NULL")),
        Index("ix_outbox_published_at", "published_at", postgresql_where=text("published_at IS NOT NULL")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    event_id: uuid.UUID = Field(unique=True)
    merchant_id: str = Field(sa_column=Column(Text, nullable=False))
    event_type: str = Field(sa_column=Column(Text, nullable=False))
    partition: int = Field(sa_column=Column(SmallInteger, nullable=False))
    envelope: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    created_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    last_error: str | None = Field(default=None, sa_column=Column(Text))


def partition_of(key: str) -> int:
    return zlib.crc32(key.encode()) % PARTITIONS


def trace_headers() -> dict[str, str]:
    """The current W3C trace context, stored with the row so the relay can carry it on."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


# The set-based form: a statement that writes many rows at once (or the outbox row beside its own rows, as the
# create-ticket CTE does) inserts from one jsonb array of rows built by `Producer.rows`. Only this module names
# the outbox's columns. `envelope` may be an SQL expression over `r.envelope` (e.g. patching in a number the
# same statement hands out) and `also_from` more FROM items it can refer to.
ROW_COLUMNS = "event_id uuid, merchant_id text, event_type text, partition smallint, envelope jsonb, headers jsonb"


def insert_sql(rows_param: str, *, envelope: str = "r.envelope", also_from: str = "") -> str:
    """`INSERT INTO outbox ... SELECT ... FROM jsonb_to_recordset(<rows_param>)`, for use in a larger statement."""
    extra = f", {also_from}" if also_from else ""
    return (
        "INSERT INTO outbox (event_id, merchant_id, event_type, partition, envelope, headers, attempts)"
        f" SELECT r.event_id, r.merchant_id, r.event_type, r.partition, {envelope}, r.headers, 0"
        f" FROM jsonb_to_recordset(CAST({rows_param} AS jsonb)) AS r({ROW_COLUMNS}){extra}"
    )


_INSERT_ROWS = text(insert_sql(":rows"))

# Every partition with unsent rows (and those whose confirmed rows still await their mark) that this relay can
# lock; the lock is volatile, so it is never pushed below the DISTINCT: one attempt per partition.
_LOCK_PARTITIONS = text(
    "WITH wanted AS MATERIALIZED ("
    " SELECT DISTINCT partition::int AS p FROM outbox WHERE published_at IS NULL"
    " UNION SELECT unnest(CAST(:extra AS int[])))"
    " SELECT p FROM wanted WHERE pg_try_advisory_lock(CAST(:base AS bigint) + p) ORDER BY p"
)
_UNLOCK_PARTITIONS = text(
    "SELECT pg_advisory_unlock(CAST(:base AS bigint) + p) FROM unnest(CAST(:partitions AS int[])) AS p"
)


@dataclass(frozen=True)
class Staged:
    """An event ready for the outbox: its JSON-ready envelope and the partition its ordering key maps to."""

    envelope: dict[str, Any]
    partition: int

    @property
    def event_id(self) -> str:
        return str(self.envelope["event_id"])

    def row(self, headers: dict[str, str]) -> dict[str, Any]:
        envelope = self.envelope
        cid = envelope.get("correlation_id")
        return {
            "event_id": envelope["event_id"],
            "merchant_id": envelope["merchant_id"],
            "event_type": envelope["event_type"],
            "partition": self.partition,
            "envelope": envelope,
            "headers": headers | {"x-correlation-id": cid} if cid else headers,
        }


class Producer:
    """The one way a service publishes: stage events in the business transaction; the relay sends them.

    One per service (`events = Producer("tickets")`). Events of one ordering key (a ticket id) leave in the
    order they were staged. Workers are woken after commit, never by NOTIFY inside the transaction.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def prepare(
        self,
        payload: Payload | tuple[str, dict[str, Any]],
        *,
        merchant_id: str,
        ordering_key: str | None = None,
        causation_id: str | None = None,
        schema_version: int | None = None,
    ) -> Staged:
        """Build the envelope for `payload` (a contract model, or `(event_type, json-ready dict)` on hot paths
        whose tests check the dict against the model)."""
        if isinstance(payload, Payload):
            event_type, version, body = payload.event_type, payload.schema_version, payload.model_dump(mode="json")
        else:
            (event_type, body), version = payload, schema_version or 1
        envelope = envelope_dict(
            event_type,
            body,
            merchant_id=merchant_id,
            producer=self.name,
            schema_version=version,
            correlation_id=correlation_id.get(),
            causation_id=causation_id,
        )
        return Staged(envelope, partition_of(ordering_key or envelope["event_id"]))

    async def stage(
        self,
        session: AsyncSession,
        payload: Payload,
        *,
        merchant_id: str,
        ordering_key: str | None = None,
        causation_id: str | None = None,
    ) -> Staged:
        """Write `payload`'s event into the caller's transaction; the relays are woken once it commits."""
        staged = self.prepare(payload, merchant_id=merchant_id, ordering_key=ordering_key, causation_id=causation_id)
        await self.stage_many(session, [staged])
        return staged

    async def stage_many(self, session: AsyncSession, staged: Sequence[Staged]) -> None:
        """Write several prepared events in one statement of the caller's transaction."""
        if staged:
            await session.execute(_INSERT_ROWS, {"rows": rows_json(staged)})
            wake_after_commit(session)


def rows_json(staged: Sequence[Staged]) -> str:
    """The parameter `insert_sql` reads: the rows of `staged`, with the current trace context, as one JSON array."""
    headers = trace_headers()
    return json.dumps([s.row(headers) for s in staged], separators=(",", ":"))


def wake_after_commit(session: AsyncSession) -> None:
    """For a statement that wrote outbox rows through `insert_sql`: wake the relays once the session commits."""
    wakeup.stage(session, NOTIFY_CHANNEL)


def _describe(exc: BaseException) -> str:
    return (str(exc) or repr(exc))[:2000]


def written_outside_a_session() -> None:
    """Wake the relays after outbox rows were committed by a plain (autocommit) statement."""
    wakeup.wake(NOTIFY_CHANNEL)


class OutboxRelay:
    """Publishes unsent outbox rows; woken by LISTEN/NOTIFY, polling as a fallback.

    Partitions are drained under session-level advisory locks held on one pooled connection (a cycle takes every
    partition with unsent rows that no other relay holds), in three short steps with no transaction open while
    the broker answers: claim (read the oldest unsent rows), publish them all and await their confirms together
    (one channel, so they reach the broker in order), then record
    each row's outcome in one transaction: confirmed rows are marked published even when another row of the
    batch failed, and each failed row gets `attempts + 1` and its `last_error`. Confirmed rows whose mark could
    not be written (the database went away) are remembered and marked before anything else is published, so
    the relay never publishes a confirmed row again. The exception is a relay whose process dies in that window,
    or whose partition another replica takes first (the lock went with the broken connection): those rows are
    published again and consumers' inboxes drop the duplicates (at-least-once).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: AmqpPublisher,
        *,
        listen_dsn: str,
        poll_seconds: float = 1.0,
        batch_size: int = 200,
        max_backoff: float = 30.0,
        retention_seconds: int = 7 * 24 * 3600,
        coalesce_seconds: float = 0.01,
    ) -> None:
        self.engine = engine
        self.listen_dsn = listen_dsn
        self.publisher = publisher
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.retention_seconds = retention_seconds
        self.coalesce_seconds = coalesce_seconds
        self.waker = wakeup.Waker(NOTIFY_CHANNEL, listen_dsn)
        # partition -> ids the broker confirmed but whose published_at is not written yet
        self._unmarked: dict[int, set[int]] = {}

    async def drain_once(self) -> int:
        """Publish what can be published now; returns how many rows were sent.

        One cycle takes every partition with unsent rows that no other relay holds (one statement), reads the
        oldest rows across them, publishes them in id order on one channel and awaits their confirms together,
        then records the outcomes and lets the partitions go: a fixed handful of round trips per batch, however
        many partitions the rows spread over. Raises PublishFailed when the broker refused or did not confirm a
        row (after recording the outcomes).
        """
        # One connection check up front: with the broker away, no partition is locked and no row tries its own
        # connection (one refused connect per row, at the creation rate, was a log storm during an outage).
        await self.publisher.ensure_connected()
        pending = sorted(p for p, ids in self._unmarked.items() if ids)
        async with self.engine.connect() as conn:
            locked = [
                row[0] for row in await conn.execute(_LOCK_PARTITIONS, {"extra": pending, "base": PARTITION_LOCK_BASE})
            ]
            if not locked:
                await conn.rollback()
                return 0
            try:
                published, failure = await self._drain_locked(conn, locked)
            except BaseException:
                # The session locks may still be held (or the connection is broken): never hand it back to the
                # pool; closing it releases the locks on the server.
                await conn.invalidate()
                raise
            await conn.execute(_UNLOCK_PARTITIONS, {"partitions": locked, "base": PARTITION_LOCK_BASE})
            await conn.commit()
        if failure is not None:
            raise PublishFailed(failure)
        return published

    async def _drain_locked(self, conn: AsyncConnection, partitions: list[int]) -> tuple[int, str | None]:
        unmarked = sorted(i for p in partitions for i in self._unmarked.get(p, ()))
        if unmarked:
            await self._record(conn, unmarked, [])
            for p in partitions:
                self._unmarked.pop(p, None)
        rows = (
            await conn.execute(
                text(
                    "SELECT id, partition, envelope::text AS body, envelope->>'event_id' AS event_id,"
                    " envelope->>'event_type' AS event_type, envelope->>'correlation_id' AS correlation_id,"
                    " envelope->>'producer' AS producer, envelope->>'occurred_at' AS occurred_at,"
                    " (envelope->>'schema_version')::int AS schema_version, headers FROM outbox"
                    " WHERE published_at IS NULL AND partition = ANY(:ps) ORDER BY id LIMIT :n"
                ),
                {"ps": partitions, "n": self.batch_size},
            )
        ).all()
        await conn.commit()  # no transaction stays open while the broker answers
        if not rows:
            return 0, None
        outcomes = await asyncio.gather(
            *(self._publish(row._asdict(), row.headers) for row in rows),
            return_exceptions=True,
        )
        confirmed = [row.id for row, outcome in zip(rows, outcomes, strict=True) if outcome is None]
        failed = [
            (row.id, _describe(outcome))
            for row, outcome in zip(rows, outcomes, strict=True)
            if isinstance(outcome, BaseException)
        ]
        # Remembered until written, so a failed mark (or a cancellation) never makes this relay send them again.
        for row, outcome in zip(rows, outcomes, strict=True):
            if outcome is None:
                self._unmarked.setdefault(row.partition, set()).add(row.id)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome
        await self._record(conn, confirmed, failed)
        for p in partitions:
            self._unmarked.pop(p, None)
        if confirmed:
            metrics.OUTBOX_PUBLISHED.inc(len(confirmed))
        if failed:
            metrics.OUTBOX_FAILURES.inc(len(failed))
            first_id, first_error = failed[0]
            log.warning(
                "outbox: %d of %d rows not confirmed (row %d: %s)", len(failed), len(rows), first_id, first_error
            )
            return len(confirmed), first_error
        return len(confirmed), None

    async def _publish(self, row: dict[str, Any], headers: dict[str, Any] | None) -> None:
        """One row (its envelope's JSON as stored, and the fields the message properties need) to the broker, in
        a publish span that continues the trace stored with the row."""
        with publish_span(row["event_type"], headers, row["producer"]) as carried:
            await self.publisher.publish_envelope(row, headers=carried, body=row["body"].encode())

    async def _record(self, conn: AsyncConnection, confirmed: list[int], failed: list[tuple[int, str]]) -> None:
        """One short transaction: mark the confirmed rows, count an attempt and keep the error of the failed."""
        if confirmed:
            await conn.execute(
                text("UPDATE outbox SET published_at = now() WHERE id = ANY(:ids) AND published_at IS NULL"),
                {"ids": confirmed},
            )
        if failed:
            await conn.execute(
                text(
                    "UPDATE outbox o SET attempts = o.attempts + 1, last_error = f.error"
                    " FROM unnest(CAST(:ids AS bigint[]), CAST(:errors AS text[])) AS f(id, error)"
                    " WHERE o.id = f.id"
                ),
                {"ids": [i for i, _ in failed], "errors": [e for _, e in failed]},
            )
        await conn.commit()

    async def purge(self) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                text(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at IS NOT NULL"
                    " AND published_at < now() - make_interval(secs => :s) LIMIT 10000)"
                ),
                {"s": self.retention_seconds},
            )
            return result.rowcount or 0

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set: drain, then sleep until notified or the poll interval passes."""
        backoff = 0.0
        purge_every, since_purge = 600.0, 0.0
        while not stop.is_set():
            await self.waker.arm()
            try:
                while await self.drain_once() >= self.batch_size and not stop.is_set():
                    pass
                backoff = 0.0
                since_purge += self.poll_seconds
                if since_purge >= purge_every:
                    since_purge = 0.0
                    await self.purge()
            except Exception as exc:  # broker or database down: back off, keep every row
                backoff = min(self.max_backoff, max(0.2, backoff * 2))
                log.warning("outbox relay paused %.1fs: %s", backoff, exc)
                # Only `stop` ends a pause: new commits keep waking the waker, and retrying at their rate would
                # hammer a broker or database that is away.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                continue
            await self.waker.sleep(stop, self.poll_seconds)
            if self.waker.woken:
                # Let a burst of commits land so one drain publishes them together.
                await asyncio.sleep(self.coalesce_seconds)
        await self.waker.close()
