"""The only place with queries for tickets, clocks and timers: loads and saves TicketSla aggregates in bulk.

The ticket row is the lock that serialises everything about one ticket: consumers take it with FOR UPDATE, the
timer worker with FOR UPDATE SKIP LOCKED, and only a holder of it reads or writes that ticket's clocks and timers.

Queries run on the asyncpg connection under the caller's session, inside its transaction. Reading takes one query
for any number of locked tickets, writing one statement (statements.SAVE), so a timer round costs the same handful
of round trips whether it fires one deadline or five hundred.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_servicekit import outbox, wakeup
from helpdesk_sla.clocks import statements
from helpdesk_sla.domain import (
    BusinessCalendar,
    Clock,
    ClockState,
    Metric,
    Placement,
    Segment,
    SegmentKind,
    SlaPolicy,
    TicketSla,
    TrackedClock,
)
from helpdesk_sla.policies.catalog import catalog
from helpdesk_sla.settings import MAX_TIMER_NAP_SECONDS

# The timer engine's wake-up channel (servicekit's wakeup: after commit, coalesced NOTIFY to other replicas).
TIMER_CHANNEL = "helpdesk_sla_timers"
# The engine re-reads the earliest timer at least this often, so only timers due sooner need to wake it.
TIMER_WAKE_HORIZON = timedelta(seconds=MAX_TIMER_NAP_SECONDS)
TimerKey = tuple[str, str, int]  # (metric, kind, level); level 0 for warnings and breaches
ClockKey = tuple[str, int]  # (metric, run)
ClockMark = tuple[str, datetime | None]  # what sla.clock_changed announces: the status, and the due time while open
Row = Mapping[str, Any]
_TICKET_COLUMNS = (
    "ticket_version",
    "status",
    "priority",
    "category_id",
    "tags",
    "escalation_level",
    "policy_id",
    "policy_version",
    "calendar_version",
)
_TICKET = "SELECT s.* FROM sla_tickets s"
# A locked ticket's clocks and timers, read in the statement after the one that took the lock: a statement's
# snapshot predates the lock it waits for, so reading them alongside the lock could return what was overwritten.
_CHILDREN = (
    "SELECT k.m AS merchant_id, k.t AS ticket_id,"
    " (SELECT coalesce(json_agg(c ORDER BY c.metric, c.run), '[]') FROM sla_clocks c"
    "  WHERE c.merchant_id = k.m AND c.ticket_id = k.t) AS clock_rows,"
    " (SELECT coalesce(json_agg(x), '[]') FROM sla_timers x"
    "  WHERE x.merchant_id = k.m AND x.ticket_id = k.t) AS timer_rows"
    " FROM unnest($1::text[], $2::uuid[]) AS k(m, t)"
)


@dataclass
class StoredTicket:
    """A ticket's SLA aggregate with the row facts that are not the domain's (version, attributes, timers)."""

    merchant_id: str
    ticket_id: uuid.UUID
    ticket_version: int
    priority: str
    category_id: uuid.UUID | None
    tags: list[str]
    created_at: datetime
    sla: TicketSla
    timers: dict[TimerKey, tuple[datetime, int]] = field(default_factory=dict)
    saved: dict[str, Any] | None = None
    removed_clocks: set[ClockKey] = field(default_factory=set)
    marks: dict[ClockKey, ClockMark] = field(default_factory=dict)  # each clock's mark as last saved

    @property
    def key(self) -> tuple[str, uuid.UUID]:
        return self.merchant_id, self.ticket_id

    def moved_clocks(self) -> list[TrackedClock]:
        """Clocks the domain touched whose status or due time is no longer what was saved (a warning or a ladder
        step changes neither, so the timer worker's rounds rarely have any)."""
        return [
            tracked
            for tracked in self.sla.clocks
            if tracked.changed and self.marks.get((tracked.metric.value, tracked.run)) != mark_of(tracked)
        ]

    def columns(self) -> dict[str, Any]:
        """The sla_tickets values this ticket holds now."""
        sla, placement = self.sla, self.sla.placement
        return {
            "ticket_version": self.ticket_version,
            "status": sla.status,
            "priority": self.priority,
            "category_id": self.category_id,
            "tags": list(self.tags),
            "escalation_level": sla.escalation_level,
            "policy_id": placement.policy.id if placement else None,
            "policy_version": placement.policy.version if placement else None,
            "calendar_version": placement.calendar_version if placement else None,
        }


async def driver(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under `session`, inside the session's transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    db: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
    if not db.is_in_transaction():  # SQLAlchemy opens its transaction with its first statement
        await session.execute(text("SELECT 1"))
    return db


async def lock_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> StoredTicket | None:
    """The ticket's aggregate, locked until the transaction ends; None if this service has not seen it."""
    db = await driver(session)
    rows = await db.fetch(
        f"{_TICKET} WHERE s.merchant_id = $1 AND s.ticket_id = $2 FOR UPDATE OF s", merchant_id, ticket_id
    )
    tickets = await hydrate(session, rows)
    return tickets[0] if tickets else None


async def read_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> StoredTicket | None:
    """The ticket's aggregate without locking it (for reading)."""
    db = await driver(session)
    rows = await db.fetch(f"{_TICKET} WHERE s.merchant_id = $1 AND s.ticket_id = $2", merchant_id, ticket_id)
    tickets = await hydrate(session, rows)
    return tickets[0] if tickets else None


async def insert_ticket(session: AsyncSession, ticket: StoredTicket) -> bool:
    """Store a ticket seen for the first time; False if another transaction stored it first."""
    db = await driver(session)
    columns = ticket.columns()
    names = ", ".join(columns)
    values = ", ".join(f"${n}" for n in range(4, len(columns) + 4))
    inserted = await db.fetchval(
        f"INSERT INTO sla_tickets (merchant_id, ticket_id, ticket_created_at, {names}) VALUES ($1, $2, $3, {values})"
        " ON CONFLICT DO NOTHING RETURNING true",
        ticket.merchant_id,
        ticket.ticket_id,
        ticket.created_at,
        *columns.values(),
    )
    if not inserted:
        return False
    ticket.saved = columns
    return True


async def claim_due(session: AsyncSession, limit: int) -> tuple[datetime | None, list[StoredTicket]]:
    """Lock tickets that have a timer due by the database's clock, skipping tickets another transaction holds;
    with the database's `now()` (the transaction's start) when it found any. The database's clock, not this
    process's, so a replica whose clock runs fast fires nothing early. This is a round's first statement, so it
    goes through the session, which opens its transaction."""
    result = await session.execute(
        text(
            "SELECT now() AS db_now, s.* FROM sla_tickets s WHERE (s.merchant_id, s.ticket_id) IN"
            " (SELECT merchant_id, ticket_id FROM sla_timers WHERE fire_at <= now() ORDER BY fire_at LIMIT :n)"
            " FOR UPDATE OF s SKIP LOCKED"
        ),
        {"n": limit},
    )
    rows = [dict(row._mapping) for row in result]
    return (rows[0]["db_now"] if rows else None), await hydrate(session, rows)


async def next_fire_at(session: AsyncSession) -> tuple[datetime, datetime | None]:
    """The database's `now()` and the earliest pending timer, if any."""
    db = await driver(session)
    row = await db.fetchrow("SELECT now() AS db_now, min(fire_at) AS next_fire_at FROM sla_timers")
    assert row is not None
    return row["db_now"], row["next_fire_at"]


async def tickets_with_open_clocks(
    session: AsyncSession,
    merchant_id: str,
    *,
    policy_id: uuid.UUID | None = None,
    calendar_id: uuid.UUID | None = None,
    after: uuid.UUID | None,
    limit: int,
) -> list[uuid.UUID]:
    """Tickets with a running or paused clock under the policy (or counting in the calendar), by ticket id."""
    db = await driver(session)
    column, value = ("policy_id", policy_id) if policy_id is not None else ("calendar_id", calendar_id)
    rows = await db.fetch(
        f"SELECT DISTINCT ticket_id FROM sla_clocks WHERE merchant_id = $1 AND {column} = $2"
        " AND state IN ('running', 'paused') AND ($3::uuid IS NULL OR ticket_id > $3) ORDER BY ticket_id LIMIT $4",
        merchant_id,
        value,
        after,
        limit,
    )
    return [row["ticket_id"] for row in rows]


async def lock_tickets(session: AsyncSession, merchant_id: str, ticket_ids: Sequence[uuid.UUID]) -> list[StoredTicket]:
    """Lock several tickets of one merchant in id order (so concurrent callers cannot deadlock)."""
    db = await driver(session)
    rows = await db.fetch(
        "SELECT * FROM sla_tickets WHERE merchant_id = $1 AND ticket_id = ANY($2::uuid[])"
        " ORDER BY ticket_id FOR UPDATE",
        merchant_id,
        list(ticket_ids),
    )
    return await hydrate(session, rows)


async def hydrate(session: AsyncSession, ticket_rows: Sequence[Row]) -> list[StoredTicket]:
    """Build aggregates for locked (or merely read) ticket rows: their clocks and timers in one query, policies
    and calendars from the catalog's cache (one query each for those missing)."""
    if not ticket_rows:
        return []
    db = await driver(session)
    children = {
        (row["merchant_id"], row["ticket_id"]): (_json(row["clock_rows"]), _json(row["timer_rows"]))
        for row in await db.fetch(
            _CHILDREN, [row["merchant_id"] for row in ticket_rows], [row["ticket_id"] for row in ticket_rows]
        )
    }
    clock_rows = [(m, clock) for (m, _), (clocks, _) in children.items() for clock in clocks]
    policy_keys = {(m, uuid.UUID(c["policy_id"]), c["policy_version"]) for m, c in clock_rows}
    policy_keys |= {(r["merchant_id"], r["policy_id"], r["policy_version"]) for r in ticket_rows if r["policy_id"]}
    policies = await catalog.policies(session, policy_keys)
    calendar_keys = {(m, _uuid(c["calendar_id"]), c["calendar_version"]) for m, c in clock_rows}
    for row in ticket_rows:
        if row["policy_id"]:
            policy = policies[(row["merchant_id"], row["policy_id"], row["policy_version"])]
            calendar_keys.add((row["merchant_id"], policy.calendar_id, row["calendar_version"]))
    calendars = await catalog.calendars(session, calendar_keys)
    tickets = []
    for row in ticket_rows:
        merchant_id = row["merchant_id"]
        placement = None
        if row["policy_id"]:
            policy = policies[(merchant_id, row["policy_id"], row["policy_version"])]
            calendar = calendars[(merchant_id, policy.calendar_id, row["calendar_version"])]
            placement = Placement(policy, calendar, row["calendar_version"])
        clocks = [
            _tracked(
                clock,
                policies[(merchant_id, uuid.UUID(clock["policy_id"]), clock["policy_version"])],
                calendars[(merchant_id, _uuid(clock["calendar_id"]), clock["calendar_version"])],
            )
            for clock in children[(merchant_id, row["ticket_id"])][0]
        ]
        ticket = StoredTicket(
            merchant_id=merchant_id,
            ticket_id=row["ticket_id"],
            ticket_version=row["ticket_version"],
            priority=row["priority"],
            category_id=row["category_id"],
            tags=list(row["tags"]),
            created_at=row["ticket_created_at"],
            sla=TicketSla(
                status=row["status"], placement=placement, escalation_level=row["escalation_level"], clocks=clocks
            ),
            timers={
                (timer["metric"], timer["kind"], timer["level"]): (
                    datetime.fromisoformat(timer["fire_at"]),
                    timer["run"],
                )
                for timer in children[(merchant_id, row["ticket_id"])][1]
            },
        )
        ticket.saved = ticket.columns()
        clock_rows_of_ticket = children[(merchant_id, row["ticket_id"])][0]
        ticket.marks = {(clock["metric"], clock["run"]): _stored_mark(clock) for clock in clock_rows_of_ticket}
        tickets.append(ticket)
    return tickets


def mark_of(tracked: TrackedClock) -> ClockMark:
    clock = tracked.clock
    return clock.status.value, clock.due_at() if clock.is_open else None


def _stored_mark(row: Row) -> ClockMark:
    is_open = row["state"] in (ClockState.RUNNING, ClockState.PAUSED)
    status = ClockState.BREACHED.value if is_open and row["breached_at"] is not None else row["state"]
    return status, _instant(row["due_at"]) if is_open else None


async def save(
    session: AsyncSession,
    tickets: Iterable[StoredTicket],
    now: datetime,
    staged: Sequence[outbox.Staged] = (),
    *,
    wake_timer_engine: bool = True,
) -> None:
    """Write what changed in one statement: ticket rows, clocks, the timers the clocks now need, and the staged
    events (through servicekit's set-based outbox insert). Once the transaction commits, the outbox relay is woken
    if there are events, and (unless the timer engine is the caller) the timer engine if a timer was planned or
    moved to within its longest nap, or is already due."""
    ticket_rows: list[tuple[Any, ...]] = []
    clocks: list[tuple[Any, ...]] = []
    gone_clocks: list[tuple[Any, ...]] = []
    gone_timers: list[tuple[Any, ...]] = []
    new_timers: list[tuple[Any, ...]] = []
    wake_at: datetime | None = None
    for ticket in tickets:
        key = (ticket.merchant_id, ticket.ticket_id)
        columns = ticket.columns()
        if columns != ticket.saved:
            ticket_rows.append((*key, *(json.dumps(v) if k == "tags" else v for k, v in columns.items())))
            ticket.saved = columns
        gone_clocks += [(*key, metric, run) for metric, run in ticket.removed_clocks]
        ticket.removed_clocks = set()
        for tracked in ticket.sla.clocks:
            if tracked.changed:
                clocks.append(_clock_values(ticket, tracked))
                ticket.marks[(tracked.metric.value, tracked.run)] = mark_of(tracked)
                tracked.changed = False
        wanted = planned_timers(ticket, now)
        gone_timers += [(*key, *timer) for timer in ticket.timers.keys() - wanted.keys()]
        for timer, (fire_at, run) in wanted.items():
            if ticket.timers.get(timer) != (fire_at, run):
                new_timers.append((*key, *timer, fire_at, run))
            if ticket.timers.get(timer) != (fire_at, run) or fire_at <= now:
                wake_at = fire_at if wake_at is None else min(wake_at, fire_at)
        ticket.timers = wanted
    if not (ticket_rows or clocks or gone_clocks or gone_timers or new_timers or staged):
        return
    db = await driver(session)
    await db.execute(
        statements.SAVE,
        *_columns(ticket_rows, 11),
        *_columns(gone_clocks, 4),
        *_columns(clocks, 20),
        *_columns(gone_timers, 5),
        *_columns(new_timers, 7),
        outbox.rows_json(staged),
    )
    if staged:
        outbox.wake_after_commit(session)
    if wake_timer_engine and wake_at is not None and wake_at <= now + TIMER_WAKE_HORIZON:
        wakeup.stage(session, TIMER_CHANNEL)


async def postpone_timers(session: AsyncSession, ticket: StoredTicket, until: datetime) -> None:
    """Move a ticket's due timers to `until` (its processing failed; try again later rather than spin)."""
    db = await driver(session)
    await db.execute(
        "UPDATE sla_timers SET fire_at = $3 WHERE merchant_id = $1 AND ticket_id = $2 AND fire_at < $3",
        ticket.merchant_id,
        ticket.ticket_id,
        until,
    )


def planned_timers(ticket: StoredTicket, now: datetime) -> dict[TimerKey, tuple[datetime, int]]:
    return {
        (timer.metric.value, timer.kind.value, timer.level or 0): (timer.fire_at, tracked.run)
        for tracked, timer in ticket.sla.timers(now)
    }


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows as one list per column (the arrays that unnest turns back into rows)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def _json(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else value


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _clock_values(ticket: StoredTicket, tracked: TrackedClock) -> tuple[Any, ...]:
    clock = tracked.clock
    ended_at = None if clock.is_open else (clock.met_at or clock.last_change)
    segments = json.dumps(
        [
            {"kind": s.kind.value, "start": s.start.isoformat(), "end": s.end.isoformat() if s.end else None}
            for s in clock.segments
        ]
    )
    return (
        ticket.merchant_id,
        ticket.ticket_id,
        clock.metric.value,
        tracked.run,
        tracked.policy.id,
        tracked.policy.version,
        tracked.policy.priority,
        tracked.policy.calendar_id if tracked.calendar_version is not None else None,
        tracked.calendar_version,
        float(clock.target_seconds),
        clock.state.value,
        clock.started_at,
        segments,
        clock.due_at(),
        clock.warned_at,
        clock.breached_at,
        clock.met_at,
        ended_at,
        None if ended_at is None else clock.elapsed_business_seconds(ended_at),
        tracked.met_count,
    )


def _tracked(row: Row, policy: SlaPolicy, calendar: BusinessCalendar) -> TrackedClock:
    clock = Clock(
        metric=Metric(row["metric"]),
        target_seconds=row["target_seconds"],
        calendar=calendar,
        started_at=_instant(row["started_at"]),  # type: ignore[arg-type]
        segments=[
            Segment(SegmentKind(item["kind"]), datetime.fromisoformat(item["start"]), _instant(item["end"]))
            for item in row["segments"]
        ],
        state=ClockState(row["state"]),
        breached_at=_instant(row["breached_at"]),
        met_at=_instant(row["met_at"]),
        warned_at=_instant(row["warned_at"]),
    )
    return TrackedClock(clock, policy, row["run"], row["calendar_version"], met_count=row["met_count"])
