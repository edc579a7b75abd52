"""Queries for the ticket facts the clocks are replayed from (see TicketSla.replay)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_sla.clocks.repository import Row, StoredTicket, driver

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
    db = await driver(session)
    names = ", ".join(FACT_COLUMNS)
    values = ", ".join(f"${n}" for n in range(3, len(FACT_COLUMNS) + 3))
    inserted = await db.fetchval(
        f"INSERT INTO sla_ticket_facts (merchant_id, ticket_id, {names}) VALUES ($1, $2, {values})"
        " ON CONFLICT DO NOTHING RETURNING true",
        merchant_id,
        ticket_id,
        *(fact[name] for name in FACT_COLUMNS),
    )
    return bool(inserted)


async def add_replan_fact(
    session: AsyncSession, ticket: StoredTicket, placement: tuple[uuid.UUID, int, int | None] | None, at: datetime
) -> None:
    """Record a manager's re-plan as a fact after the ticket's latest, so replaying keeps it."""
    db = await driver(session)
    policy_id, policy_version, calendar_version = placement or (None, None, None)
    await db.execute(
        "INSERT INTO sla_ticket_facts (merchant_id, ticket_id, version, seq, at, status, priority, category_id, tags,"
        " escalation_level, placement_resolved, policy_id, policy_version, calendar_version, replan)"
        " SELECT $1, $2, $3, coalesce(max(seq), 0) + 1, $4, $5, $6, $7, $8, $9, true, $10, $11, $12, true"
        " FROM sla_ticket_facts WHERE merchant_id = $1 AND ticket_id = $2 AND version = $3",
        ticket.merchant_id,
        ticket.ticket_id,
        ticket.ticket_version,
        at,
        ticket.sla.status,
        ticket.priority,
        ticket.category_id,
        list(ticket.tags),
        ticket.sla.escalation_level,
        policy_id,
        policy_version,
        calendar_version,
    )


async def of_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> list[Row]:
    """Every fact recorded for the ticket, in version order."""
    db = await driver(session)
    rows: list[Row] = await db.fetch(
        "SELECT * FROM sla_ticket_facts WHERE merchant_id = $1 AND ticket_id = $2 ORDER BY version, seq",
        merchant_id,
        ticket_id,
    )
    return rows


async def resolve_fact_placement(
    session: AsyncSession,
    merchant_id: str,
    ticket_id: uuid.UUID,
    version: int,
    seq: int,
    placement: tuple[uuid.UUID, int, int | None] | None,
) -> None:
    """Store the policy a fact's attributes matched when first needed (None: no policy matched)."""
    db = await driver(session)
    policy_id, policy_version, calendar_version = placement or (None, None, None)
    await db.execute(
        "UPDATE sla_ticket_facts SET placement_resolved = true, policy_id = $5, policy_version = $6,"
        " calendar_version = $7 WHERE merchant_id = $1 AND ticket_id = $2 AND version = $3 AND seq = $4",
        merchant_id,
        ticket_id,
        version,
        seq,
        policy_id,
        policy_version,
        calendar_version,
    )
