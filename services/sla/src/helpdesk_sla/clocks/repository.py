"""The only place with queries for tickets, clocks and timers: loads and saves TicketSla aggregates in bulk.

The ticket row is the lock that serialises everything about one ticket: consumers take it with FOR UPDATE, the
timer worker with FOR UPDATE SKIP LOCKED, and only a holder of it reads or writes that ticket's clocks and timers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

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

NOTIFY_CHANNEL = "helpdesk_sla_timers"
TimerKey = tuple[str, str, int]  # (metric, kind, level); level 0 for warnings and breaches
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
_KEYS = "JOIN unnest(CAST(:m AS text[]), CAST(:t AS uuid[])) AS k(m, t) ON x.merchant_id = k.m AND x.ticket_id = k.t"


@dataclass
class TicketRecord:
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
    removed_clocks: set[tuple[str, int]] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, uuid.UUID]:
        return self.merchant_id, self.ticket_id

    def columns(self) -> dict[str, Any]:
        """The sla_tickets values this record holds now."""
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


async def lock_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> TicketRecord | None:
    """The ticket's aggregate, locked until the transaction ends; None if this service has not seen it."""
    rows = (
        await session.execute(
            text("SELECT * FROM sla_tickets WHERE merchant_id = :m AND ticket_id = :t FOR UPDATE"),
            {"m": merchant_id, "t": ticket_id},
        )
    ).all()
    records = await hydrate(session, rows)
    return records[0] if records else None


async def insert_ticket(session: AsyncSession, record: TicketRecord) -> bool:
    """Store a ticket seen for the first time; False if another transaction stored it first."""
    columns = record.columns()
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    inserted = await session.execute(
        text(
            f"INSERT INTO sla_tickets (merchant_id, ticket_id, ticket_created_at, {names})"
            f" VALUES (:merchant_id, :ticket_id, :created_at, {values}) ON CONFLICT DO NOTHING RETURNING ticket_id"
        ),
        {"merchant_id": record.merchant_id, "ticket_id": record.ticket_id, "created_at": record.created_at} | columns,
    )
    if inserted.first() is None:
        return False
    record.saved = columns
    return True


FACT_COLUMNS = (
    "version",
    "seq",
    "event_id",
    "at",
    "status",
    "priority",
    "category_id",
    "tags",
    "author",
    "escalation_level",
    "placement_resolved",
    "policy_id",
    "policy_version",
    "calendar_version",
    "replan",
)


async def add_fact(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, fact: dict[str, Any]) -> bool:
    """Record what one ticket event said; False if a fact for that version and seq is already recorded."""
    names = ", ".join(FACT_COLUMNS)
    values = ", ".join(f":{name}" for name in FACT_COLUMNS)
    inserted = await session.execute(
        text(
            f"INSERT INTO sla_ticket_facts (merchant_id, ticket_id, {names}) VALUES (:m, :t, {values})"
            " ON CONFLICT DO NOTHING RETURNING version"
        ),
        {"m": merchant_id, "t": ticket_id} | fact,
    )
    return inserted.first() is not None


async def facts(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> list[Row[Any]]:
    """Every fact recorded for the ticket, in version order."""
    rows = await session.execute(
        text("SELECT * FROM sla_ticket_facts WHERE merchant_id = :m AND ticket_id = :t ORDER BY version, seq"),
        {"m": merchant_id, "t": ticket_id},
    )
    return list(rows.all())


async def resolve_fact_placement(
    session: AsyncSession,
    merchant_id: str,
    ticket_id: uuid.UUID,
    version: int,
    seq: int,
    placement: tuple[uuid.UUID, int, int | None] | None,
) -> None:
    """Store the policy a fact's attributes matched when first needed (None: no policy matched)."""
    policy_id, policy_version, calendar_version = placement or (None, None, None)
    await session.execute(
        text(
            "UPDATE sla_ticket_facts SET placement_resolved = true, policy_id = :p, policy_version = :pv,"
            " calendar_version = :cv WHERE merchant_id = :m AND ticket_id = :t AND version = :v AND seq = :s"
        ),
        {
            "m": merchant_id,
            "t": ticket_id,
            "v": version,
            "s": seq,
            "p": policy_id,
            "pv": policy_version,
            "cv": calendar_version,
        },
    )


async def add_replan_fact(
    session: AsyncSession, record: TicketRecord, placement: tuple[uuid.UUID, int, int | None] | None, at: datetime
) -> None:
    """Record a manager's re-plan as a fact after the ticket's latest, so replaying keeps it."""
    policy_id, policy_version, calendar_version = placement or (None, None, None)
    await session.execute(
        text(
            "INSERT INTO sla_ticket_facts (merchant_id, ticket_id, version, seq, at, status, priority, category_id,"
            " tags, escalation_level, placement_resolved, policy_id, policy_version, calendar_version, replan)"
            " SELECT :m, :t, :v, coalesce(max(seq), 0) + 1, :at, :status, :priority, :category_id, :tags, :level,"
            " true, :p, :pv, :cv, true FROM sla_ticket_facts WHERE merchant_id = :m AND ticket_id = :t AND version = :v"
        ),
        {
            "m": record.merchant_id,
            "t": record.ticket_id,
            "v": record.ticket_version,
            "at": at,
            "status": record.sla.status,
            "priority": record.priority,
            "category_id": record.category_id,
            "tags": list(record.tags),
            "level": record.sla.escalation_level,
            "p": policy_id,
            "pv": policy_version,
            "cv": calendar_version,
        },
    )


async def read_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> TicketRecord | None:
    """The ticket's aggregate without locking it (for reading)."""
    rows = (
        await session.execute(
            text("SELECT * FROM sla_tickets WHERE merchant_id = :m AND ticket_id = :t"),
            {"m": merchant_id, "t": ticket_id},
        )
    ).all()
    records = await hydrate(session, rows)
    return records[0] if records else None


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[TicketRecord]:
    """Lock tickets that have a timer due at `now`, skipping tickets another transaction holds."""
    rows = (
        await session.execute(
            text(
                "SELECT s.* FROM sla_tickets s WHERE (s.merchant_id, s.ticket_id) IN"
                " (SELECT merchant_id, ticket_id FROM sla_timers WHERE fire_at <= :now ORDER BY fire_at LIMIT :n)"
                " FOR UPDATE OF s SKIP LOCKED"
            ),
            {"now": now, "n": limit},
        )
    ).all()
    return await hydrate(session, rows)


async def next_fire_at(session: AsyncSession) -> datetime | None:
    return (await session.execute(text("SELECT min(fire_at) FROM sla_timers"))).scalar_one_or_none()


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
    column, value = ("policy_id", policy_id) if policy_id is not None else ("calendar_id", calendar_id)
    rows = await session.execute(
        text(
            f"SELECT DISTINCT ticket_id FROM sla_clocks WHERE merchant_id = :m AND {column} = :v"
            " AND state IN ('running', 'paused') AND (CAST(:after AS uuid) IS NULL OR ticket_id > :after)"
            " ORDER BY ticket_id LIMIT :n"
        ),
        {"m": merchant_id, "v": value, "after": after, "n": limit},
    )
    return [row[0] for row in rows]


async def lock_tickets(session: AsyncSession, merchant_id: str, ticket_ids: Sequence[uuid.UUID]) -> list[TicketRecord]:
    """Lock several tickets of one merchant in id order (so concurrent callers cannot deadlock)."""
    rows = (
        await session.execute(
            text(
                "SELECT * FROM sla_tickets WHERE merchant_id = :m AND ticket_id = ANY(:ids)"
                " ORDER BY ticket_id FOR UPDATE"
            ),
            {"m": merchant_id, "ids": list(ticket_ids)},
        )
    ).all()
    return await hydrate(session, rows)


async def hydrate(session: AsyncSession, ticket_rows: Sequence[Row[Any]]) -> list[TicketRecord]:
    """Build aggregates for ticket rows: their clocks, timers, policy and calendar versions (a query each)."""
    if not ticket_rows:
        return []
    keys = {"m": [row.merchant_id for row in ticket_rows], "t": [row.ticket_id for row in ticket_rows]}
    clock_rows = (await session.execute(text(f"SELECT x.* FROM sla_clocks x {_KEYS} ORDER BY x.run"), keys)).all()
    timer_rows = (await session.execute(text(f"SELECT x.* FROM sla_timers x {_KEYS}"), keys)).all()
    policy_keys = {(row.merchant_id, row.policy_id, row.policy_version) for row in clock_rows}
    policy_keys |= {(row.merchant_id, row.policy_id, row.policy_version) for row in ticket_rows if row.policy_id}
    policies = await catalog.policies(session, policy_keys)
    calendar_keys = {(row.merchant_id, row.calendar_id, row.calendar_version) for row in clock_rows}
    calendar_keys |= {
        (
            row.merchant_id,
            policies[(row.merchant_id, row.policy_id, row.policy_version)].calendar_id,
            row.calendar_version,
        )
        for row in ticket_rows
        if row.policy_id
    }
    calendars = await catalog.calendars(session, calendar_keys)
    clocks_by_ticket: dict[tuple[str, uuid.UUID], list[TrackedClock]] = {}
    for row in clock_rows:
        calendar = calendars[(row.merchant_id, row.calendar_id, row.calendar_version)]
        policy = policies[(row.merchant_id, row.policy_id, row.policy_version)]
        clocks_by_ticket.setdefault((row.merchant_id, row.ticket_id), []).append(_tracked(row, policy, calendar))
    timers_by_ticket: dict[tuple[str, uuid.UUID], dict[TimerKey, tuple[datetime, int]]] = {}
    for row in timer_rows:
        timers_by_ticket.setdefault((row.merchant_id, row.ticket_id), {})[(row.metric, row.kind, row.level)] = (
            row.fire_at,
            row.run,
        )
    records = []
    for row in ticket_rows:
        key = (row.merchant_id, row.ticket_id)
        placement = None
        if row.policy_id:
            policy = policies[(row.merchant_id, row.policy_id, row.policy_version)]
            calendar = calendars[(row.merchant_id, policy.calendar_id, row.calendar_version)]
            placement = Placement(policy, calendar, row.calendar_version)
        sla = TicketSla(
            status=row.status,
            placement=placement,
            escalation_level=row.escalation_level,
            clocks=clocks_by_ticket.get(key, []),
        )
        record = TicketRecord(
            merchant_id=row.merchant_id,
            ticket_id=row.ticket_id,
            ticket_version=row.ticket_version,
            priority=row.priority,
            category_id=row.category_id,
            tags=list(row.tags),
            created_at=row.ticket_created_at,
            sla=sla,
            timers=timers_by_ticket.get(key, {}),
        )
        record.saved = record.columns()
        records.append(record)
    return records


async def save(session: AsyncSession, records: Iterable[TicketRecord], now: datetime) -> datetime | None:
    """Write what changed: ticket rows, clocks, and the timers the clocks now need. Returns the earliest timer
    planned or moved (the caller's NOTIFY wakes a worker for it)."""
    records = list(records)
    ticket_updates, clock_upserts, clock_deletes = [], [], []
    timer_deletes: list[dict[str, Any]] = []
    timer_upserts: list[dict[str, Any]] = []
    for record in records:
        columns = record.columns()
        if columns != record.saved:
            ticket_updates.append({"merchant_id": record.merchant_id, "ticket_id": record.ticket_id} | columns)
            record.saved = columns
        for metric, run in record.removed_clocks:
            clock_deletes.append(
                {"merchant_id": record.merchant_id, "ticket_id": record.ticket_id} | {"metric": metric, "run": run}
            )
        record.removed_clocks = set()
        for tracked in record.sla.clocks:
            if tracked.changed:
                clock_upserts.append(_clock_values(record, tracked))
                tracked.changed = False
        wanted = planned_timers(record, now)
        base = {"merchant_id": record.merchant_id, "ticket_id": record.ticket_id}
        for key in record.timers.keys() - wanted.keys():
            timer_deletes.append(base | {"metric": key[0], "kind": key[1], "level": key[2]})
        for key, (fire_at, run) in wanted.items():
            if record.timers.get(key) != (fire_at, run):
                timer_upserts.append(
                    base | {"metric": key[0], "kind": key[1], "level": key[2], "run": run, "fire_at": fire_at}
                )
        record.timers = wanted
    if ticket_updates:
        assignments = ", ".join(f"{name} = :{name}" for name in _TICKET_COLUMNS)
        await session.execute(
            text(
                f"UPDATE sla_tickets SET {assignments}, updated_at = now()"
                " WHERE merchant_id = :merchant_id AND ticket_id = :ticket_id"
            ),
            ticket_updates,
        )
    if clock_deletes:
        await session.execute(
            text(
                "DELETE FROM sla_clocks WHERE merchant_id = :merchant_id AND ticket_id = :ticket_id"
                " AND metric = :metric AND run = :run"
            ),
            clock_deletes,
        )
    if clock_upserts:
        await session.execute(text(_UPSERT_CLOCK), clock_upserts)
    if timer_deletes:
        await session.execute(
            text(
                "DELETE FROM sla_timers WHERE merchant_id = :merchant_id AND ticket_id = :ticket_id"
                " AND metric = :metric AND kind = :kind AND level = :level"
            ),
            timer_deletes,
        )
    if timer_upserts:
        await session.execute(
            text(
                "INSERT INTO sla_timers (merchant_id, ticket_id, metric, kind, level, run, fire_at)"
                " VALUES (:merchant_id, :ticket_id, :metric, :kind, :level, :run, :fire_at)"
                " ON CONFLICT (merchant_id, ticket_id, metric, kind, level)"
                " DO UPDATE SET run = EXCLUDED.run, fire_at = EXCLUDED.fire_at"
            ),
            timer_upserts,
        )
        earliest = min(row["fire_at"] for row in timer_upserts)
        await session.execute(text("SELECT pg_notify(:c, :at)"), {"c": NOTIFY_CHANNEL, "at": earliest.isoformat()})
        return earliest
    return None


async def postpone_timers(session: AsyncSession, record: TicketRecord, until: datetime) -> None:
    """Move a ticket's due timers to `until` (its processing failed; try again later rather than spin)."""
    await session.execute(
        text("UPDATE sla_timers SET fire_at = :until WHERE merchant_id = :m AND ticket_id = :t AND fire_at < :until"),
        {"m": record.merchant_id, "t": record.ticket_id, "until": until},
    )


def planned_timers(record: TicketRecord, now: datetime) -> dict[TimerKey, tuple[datetime, int]]:
    return {
        (timer.metric.value, timer.kind.value, timer.level or 0): (timer.fire_at, tracked.run)
        for tracked, timer in record.sla.timers(now)
    }


_UPSERT_CLOCK = (
    "INSERT INTO sla_clocks (merchant_id, ticket_id, metric, run, policy_id, policy_version, priority, calendar_id,"
    " calendar_version, target_seconds, state, started_at, segments, due_at, warned_at, breached_at, met_at,"
    " ended_at, business_seconds_used, met_count, updated_at)"
    " VALUES (:merchant_id, :ticket_id, :metric, :run, :policy_id, :policy_version, :priority, :calendar_id,"
    " :calendar_version, :target_seconds, :state, :started_at, CAST(:segments AS jsonb), :due_at, :warned_at,"
    " :breached_at, :met_at, :ended_at, :business_seconds_used, :met_count, now())"
    " ON CONFLICT (merchant_id, ticket_id, metric, run) DO UPDATE SET policy_id = EXCLUDED.policy_id,"
    " policy_version = EXCLUDED.policy_version, priority = EXCLUDED.priority, calendar_id = EXCLUDED.calendar_id,"
    " calendar_version = EXCLUDED.calendar_version, target_seconds = EXCLUDED.target_seconds,"
    " state = EXCLUDED.state, segments = EXCLUDED.segments,"
    " due_at = CASE WHEN EXCLUDED.state IN ('met', 'stopped') THEN COALESCE(EXCLUDED.due_at, sla_clocks.due_at)"
    " ELSE EXCLUDED.due_at END,"
    " warned_at = EXCLUDED.warned_at, breached_at = EXCLUDED.breached_at, met_at = EXCLUDED.met_at,"
    " ended_at = EXCLUDED.ended_at, business_seconds_used = EXCLUDED.business_seconds_used,"
    " met_count = EXCLUDED.met_count, updated_at = now()"
)


def _clock_values(record: TicketRecord, tracked: TrackedClock) -> dict[str, Any]:
    clock = tracked.clock
    ended_at = None if clock.is_open else (clock.met_at or clock.last_change)
    return {
        "merchant_id": record.merchant_id,
        "ticket_id": record.ticket_id,
        "metric": clock.metric.value,
        "run": tracked.run,
        "policy_id": tracked.policy.id,
        "policy_version": tracked.policy.version,
        "priority": tracked.policy.priority,
        "calendar_id": tracked.policy.calendar_id if tracked.calendar_version is not None else None,
        "calendar_version": tracked.calendar_version,
        "target_seconds": clock.target_seconds,
        "state": clock.state.value,
        "started_at": clock.started_at,
        "segments": json.dumps(
            [
                {"kind": s.kind.value, "start": s.start.isoformat(), "end": s.end.isoformat() if s.end else None}
                for s in clock.segments
            ]
        ),
        "due_at": clock.due_at(),
        "warned_at": clock.warned_at,
        "breached_at": clock.breached_at,
        "met_at": clock.met_at,
        "ended_at": ended_at,
        "business_seconds_used": None if ended_at is None else clock.elapsed_business_seconds(ended_at),
        "met_count": tracked.met_count,
    }


def _tracked(row: Row[Any], policy: SlaPolicy, calendar: BusinessCalendar) -> TrackedClock:
    clock = Clock(
        metric=Metric(row.metric),
        target_seconds=row.target_seconds,
        calendar=calendar,
        started_at=row.started_at,
        segments=[
            Segment(
                SegmentKind(item["kind"]),
                datetime.fromisoformat(item["start"]),
                datetime.fromisoformat(item["end"]) if item["end"] else None,
            )
            for item in row.segments
        ],
        state=ClockState(row.state),
        breached_at=row.breached_at,
        met_at=row.met_at,
        warned_at=row.warned_at,
    )
    return TrackedClock(clock, policy, row.run, row.calendar_version, met_count=row.met_count)
