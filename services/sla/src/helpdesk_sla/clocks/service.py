"""Use cases on ticket clocks: apply a ticket event, fire due timers, re-plan onto new versions."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import (
    Envelope,
    Payload,
    Role,
    TicketEscalated,
    TicketMessageAdded,
    TicketSnapshot,
    Visibility,
    normalize_tags,
)
from helpdesk_contracts.tickets import TicketEvent
from helpdesk_servicekit import outbox
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_sla.clocks import events, facts, repository
from helpdesk_sla.clocks.repository import StoredTicket
from helpdesk_sla.domain import Placement, SlaDomainError, SlaEventKind, TicketFact, TicketSla
from helpdesk_sla.policies.catalog import catalog

log = logging.getLogger(__name__)

STAFF = frozenset({Role.AGENT, Role.MANAGER})
RETRY_FAILED_TICKET = timedelta(seconds=30)


async def apply_ticket_event(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    """Bring the ticket's clocks up to date with one ticket event (inside the consumer's transaction).

    The event's facts join the ticket's others and the clocks are rebuilt from all of them in ticket_version
    order, so events arriving late or out of order land where they belong.
    """
    assert isinstance(payload, TicketEvent)
    snapshot = payload.ticket
    ticket = await repository.lock_ticket(session, envelope.merchant_id, snapshot.ticket_id)
    if ticket is None:
        ticket = _first_sight(envelope.merchant_id, snapshot)
        if not await repository.insert_ticket(session, ticket):  # another consumer stored it first
            ticket = await repository.lock_ticket(session, envelope.merchant_id, snapshot.ticket_id)
            assert ticket is not None
    level = max(snapshot.escalation_level, payload.level if isinstance(payload, TicketEscalated) else 1)
    fact = _fact_values(snapshot, envelope.occurred_at, author=_author(payload), level=level) | {
        "event_id": envelope.event_id
    }
    if not await facts.add_fact(session, ticket.merchant_id, ticket.ticket_id, fact):
        return  # this ticket version was already applied, under another event id
    await _rebuild(session, ticket)
    staged = events.staged(ticket, ticket.sla.events, causation_id=str(envelope.event_id))
    await repository.save(session, [ticket], utcnow(), staged + events.clock_changes(ticket))


def _first_sight(merchant_id: str, snapshot: TicketSnapshot) -> StoredTicket:
    return StoredTicket(
        merchant_id=merchant_id,
        ticket_id=snapshot.ticket_id,
        ticket_version=snapshot.ticket_version,
        priority=snapshot.priority.value,
        category_id=snapshot.category_id,
        tags=sorted(normalize_tags(snapshot.tags)),
        created_at=snapshot.created_at,
        sla=TicketSla(status=snapshot.status.value),
    )


def _author(payload: Payload) -> str | None:
    if not isinstance(payload, TicketMessageAdded) or payload.visibility is not Visibility.PUBLIC:
        return None
    if payload.author_role in STAFF:
        return "agent"
    return "customer" if payload.author_role is Role.CUSTOMER else None


def _fact_values(snapshot: TicketSnapshot, at: datetime, *, author: str | None, level: int) -> dict[str, Any]:
    return {
        "version": snapshot.ticket_version,
        "seq": 0,
        "event_id": None,
        "at": at,
        "status": snapshot.status.value,
        "priority": snapshot.priority.value,
        "category_id": snapshot.category_id,
        "tags": sorted(normalize_tags(snapshot.tags)),
        "author": author,
        "escalation_level": level,
        "placement_resolved": False,
        "policy_id": None,
        "policy_version": None,
        "calendar_version": None,
        "replan": False,
    }


PlacementKey = tuple[uuid.UUID, int, int | None]


async def _rebuild(session: AsyncSession, ticket: StoredTicket) -> None:
    """Replay all the ticket's facts into a fresh TicketSla, keeping what was already announced."""
    rows = await facts.of_ticket(session, ticket.merchant_id, ticket.ticket_id)
    resolved: dict[tuple[int, int], PlacementKey | None] = {}
    previous_attributes = None
    for row in rows:
        if row["placement_resolved"]:
            resolved[(row["version"], row["seq"])] = (
                (row["policy_id"], row["policy_version"], row["calendar_version"]) if row["policy_id"] else None
            )
        if row["replan"]:
            continue
        attributes = _attributes(row)
        if attributes != previous_attributes and not row["placement_resolved"]:
            # First sight, or the attributes changed: which policy matches them (asked once, then kept).
            placement = await catalog.matching(
                session, ticket.merchant_id, row["priority"], row["category_id"], row["tags"]
            )
            key = _key(placement)
            await facts.resolve_fact_placement(
                session, ticket.merchant_id, ticket.ticket_id, row["version"], row["seq"], key
            )
            resolved[(row["version"], row["seq"])] = key
        previous_attributes = attributes
    placements = await catalog.placements(session, ticket.merchant_id, {k for k in resolved.values() if k})
    ticket_facts = [
        TicketFact(
            version=row["version"],
            at=row["at"],
            status=row["status"],
            attributes=_attributes(row),
            author=row["author"],
            escalation_level=row["escalation_level"],
            placement=placements.get(key) if (key := resolved.get((row["version"], row["seq"]))) else None,
            replan=row["replan"],
        )
        for row in rows
    ]
    previous = ticket.sla
    ticket.sla = TicketSla.replay(ticket.created_at, ticket_facts, previous)
    ticket.removed_clocks = {(c.metric.value, c.run) for c in previous.clocks} - {
        (c.metric.value, c.run) for c in ticket.sla.clocks
    }
    latest = max((row for row in rows if not row["replan"]), key=lambda row: row["version"])
    ticket.ticket_version = latest["version"]
    ticket.priority, ticket.category_id, ticket.tags = latest["priority"], latest["category_id"], list(latest["tags"])


def _attributes(row: Any) -> tuple[str, uuid.UUID | None, tuple[str, ...]]:
    return row["priority"], row["category_id"], tuple(sorted(row["tags"]))


def _key(placement: Placement | None) -> PlacementKey | None:
    if placement is None:
        return None
    return placement.policy.id, placement.policy.version, placement.calendar_version


# How long after its instant a warning or breach was announced (the database's clock on both sides).
TIMER_LATENESS = Histogram(
    "helpdesk_sla_timer_lateness_seconds",
    "Seconds between an SLA warning's or breach's due instant and the round that announced it",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@dataclass(frozen=True)
class FiringRound:
    """What one pass of the timer worker did, at `claimed_at` by the database's clock; `next_fire_at` (the earliest
    timer left) only after an empty pass."""

    claimed_at: datetime
    tickets: int
    events: Counter[str]  # by event type
    next_fire_at: datetime | None


async def fire_due(sessions: Sessions, limit: int) -> FiringRound:
    """Fire the warnings, breaches and escalation steps due now, for up to `limit` tickets, in one transaction."""
    async with unit_of_work(sessions) as session:
        claimed_at, tickets = await repository.claim_due(session, limit)
        next_fire_at = None
        if claimed_at is None:
            claimed_at, next_fire_at = await repository.next_fire_at(session)
        now = claimed_at
        fired: list[StoredTicket] = []
        staged: list[outbox.Staged] = []
        for ticket in tickets:
            try:
                recorded = ticket.sla.fire_due(now)
            except SlaDomainError:
                log.exception("cannot fire the timers of ticket %s; retrying later", ticket.ticket_id)
                await repository.postpone_timers(session, ticket, now + RETRY_FAILED_TICKET)
                continue
            fired.append(ticket)
            for event in recorded:
                if event.kind in (SlaEventKind.WARNING, SlaEventKind.BREACHED):
                    TIMER_LATENESS.observe(max(0.0, (now - event.at).total_seconds()))
            staged += events.staged(ticket, recorded) + events.clock_changes(ticket)
        # The engine is the caller: it goes on while rounds find work and then reads the earliest timer itself.
        await repository.save(session, fired, now, staged, wake_timer_engine=False)
        await session.commit()
    return FiringRound(now, len(tickets), Counter(item.envelope["event_type"] for item in staged), next_fire_at)


async def replan(
    sessions: Sessions,
    merchant_id: str,
    *,
    policy_id: uuid.UUID | None = None,
    calendar_id: uuid.UUID | None = None,
    batch_size: int = 200,
) -> int:
    """Move tickets with open clocks under the policy (or in the calendar) to the current versions.

    Works in batches of tickets, each its own transaction; running it again finishes an interrupted re-plan.
    """
    done, after = 0, None
    while True:
        async with unit_of_work(sessions) as session:
            ticket_ids = await repository.tickets_with_open_clocks(
                session, merchant_id, policy_id=policy_id, calendar_id=calendar_id, after=after, limit=batch_size
            )
            if not ticket_ids:
                return done
            tickets = await repository.lock_tickets(session, merchant_id, ticket_ids)
            now = utcnow()
            for ticket in tickets:
                placement = await _latest_placement(session, ticket, policy_id=policy_id, calendar_id=calendar_id)
                if placement is None or _already_on(ticket, placement):
                    continue
                await facts.add_replan_fact(session, ticket, _key(placement), now)
                await _rebuild(session, ticket)
                done += 1
            # Deadlines the new targets put in the past are fired by the timer worker, like any other.
            staged = [
                item
                for ticket in tickets
                for item in events.staged(ticket, ticket.sla.events) + events.clock_changes(ticket)
            ]
            await repository.save(session, tickets, now, staged)
            await session.commit()
        after = ticket_ids[-1]


def _already_on(ticket: StoredTicket, placement: Placement) -> bool:
    return all(
        tracked.policy == placement.policy and tracked.calendar_version == placement.calendar_version
        for tracked in ticket.sla.open_clocks()
    )


async def _latest_placement(
    session: AsyncSession, ticket: StoredTicket, *, policy_id: uuid.UUID | None, calendar_id: uuid.UUID | None
) -> Placement | None:
    current = ticket.sla.placement
    if current is None:
        return None
    if policy_id is not None:
        return await catalog.latest(session, ticket.merchant_id, policy_id) if current.policy.id == policy_id else None
    if current.policy.calendar_id != calendar_id:
        return None
    return await catalog.placement(session, ticket.merchant_id, current.policy)


async def read_ticket(sessions: Sessions, merchant_id: str, ticket_id: uuid.UUID) -> StoredTicket | None:
    async with unit_of_work(sessions) as session:
        return await repository.read_ticket(session, merchant_id, ticket_id)
