"""Queries of the directory (contacts) and the ticket projection."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import TicketSnapshot
from helpdesk_contracts.routing import AgentUpserted


@dataclass(frozen=True)
class Contact:
    user_id: str
    role: str
    email: str | None
    name: str | None
    locale: str | None


@dataclass(frozen=True)
class TicketRow:
    ticket_id: uuid.UUID
    number: int
    subject: str
    customer_id: str
    assignee_id: str | None
    status: str
    locale: str | None
    ticket_version: int


async def upsert_customer(
    session: AsyncSession, merchant_id: str, user_id: str, email: str | None, name: str | None, locale: str | None
) -> None:
    """Remember a customer's contact details; a missing detail never erases a known one."""
    await session.execute(
        text(
            "INSERT INTO notify_contacts (merchant_id, user_id, role, email, name, locale)"
            " VALUES (:m, :u, 'customer', :e, :n, :l)"
            " ON CONFLICT (merchant_id, user_id) DO UPDATE SET"
            " email = coalesce(EXCLUDED.email, notify_contacts.email),"
            " name = coalesce(EXCLUDED.name, notify_contacts.name),"
            " locale = coalesce(EXCLUDED.locale, notify_contacts.locale), updated_at = now()"
            " WHERE notify_contacts.role = 'customer'"
        ),
        {"m": merchant_id, "u": user_id, "e": email, "n": name, "l": locale},
    )


async def upsert_staff(session: AsyncSession, merchant_id: str, agent: AgentUpserted) -> None:
    """Apply an agent directory entry unless a newer version is already known."""
    await session.execute(
        text(
            "INSERT INTO notify_contacts (merchant_id, user_id, role, email, name, locale, active, status, version)"
            " VALUES (:m, :u, :r, :e, :n, :l, :a, :s, :v)"
            " ON CONFLICT (merchant_id, user_id) DO UPDATE SET role = EXCLUDED.role, email = EXCLUDED.email,"
            " name = EXCLUDED.name, locale = EXCLUDED.locale, active = EXCLUDED.active,"
            " status = CASE WHEN notify_contacts.status_at IS NULL THEN EXCLUDED.status"
            " ELSE notify_contacts.status END,"
            " version = EXCLUDED.version, updated_at = now()"
            " WHERE notify_contacts.version < EXCLUDED.version"
        ),
        {
            "m": merchant_id,
            "u": agent.agent_id,
            "r": agent.role.value,
            "e": agent.email,
            "n": agent.name,
            "l": agent.locale,
            "a": agent.active,
            "s": agent.status,
            "v": agent.version,
        },
    )


async def record_status(session: AsyncSession, merchant_id: str, agent_id: str, status: str, at: datetime) -> None:
    """An agent's presence, unless a later change is already known (an unknown agent is remembered as one)."""
    await session.execute(
        text(
            "INSERT INTO notify_contacts (merchant_id, user_id, role, status, status_at)"
            " VALUES (:m, :u, 'agent', :s, :at)"
            " ON CONFLICT (merchant_id, user_id) DO UPDATE SET status = EXCLUDED.status,"
            " status_at = EXCLUDED.status_at,"
            " updated_at = now()"
            " WHERE notify_contacts.status_at IS NULL OR notify_contacts.status_at < EXCLUDED.status_at"
        ),
        {"m": merchant_id, "u": agent_id, "s": status, "at": at},
    )


async def contacts(session: AsyncSession, merchant_id: str, user_ids: Iterable[str]) -> dict[str, Contact]:
    ids = list(user_ids)
    if not ids:
        return {}
    rows = await session.execute(
        text(
            "SELECT user_id, role, email, name, locale FROM notify_contacts"
            " WHERE merchant_id = :m AND user_id = ANY(:ids)"
        ),
        {"m": merchant_id, "ids": ids},
    )
    return {row.user_id: Contact(row.user_id, row.role, row.email, row.name, row.locale) for row in rows}


async def managers(session: AsyncSession, merchant_id: str) -> tuple[str, ...]:
    rows = await session.execute(
        text(
            "SELECT user_id FROM notify_contacts WHERE merchant_id = :m AND role = 'manager' AND active"
            " ORDER BY user_id"
        ),
        {"m": merchant_id},
    )
    return tuple(rows.scalars())


async def project_ticket(session: AsyncSession, merchant_id: str, ticket: TicketSnapshot) -> TicketRow:
    """Apply a ticket snapshot unless a newer version is known; returns the newest known state.

    Two statements on purpose: when a newer version's transaction holds the row, the upsert waits for it and then
    does nothing; a fallback read in the same statement would still see the snapshot from before the wait (the
    older row), so the newest state is read afresh by a second statement, which sees what that transaction committed.
    """
    params = {
        "m": merchant_id,
        "t": ticket.ticket_id,
        "n": ticket.number,
        "s": ticket.subject,
        "c": ticket.customer_id,
        "a": ticket.assignee_id,
        "st": ticket.status.value,
        "l": ticket.locale,
        "v": ticket.ticket_version,
    }
    upserted = await session.execute(
        text(
            "INSERT INTO notify_tickets (merchant_id, ticket_id, number, subject, customer_id, assignee_id, status,"
            " locale, ticket_version) VALUES (:m, :t, :n, :s, :c, :a, :st, :l, :v)"
            " ON CONFLICT (merchant_id, ticket_id) DO UPDATE SET number = EXCLUDED.number, subject = EXCLUDED.subject,"
            " customer_id = EXCLUDED.customer_id, assignee_id = EXCLUDED.assignee_id, status = EXCLUDED.status,"
            " locale = coalesce(EXCLUDED.locale, notify_tickets.locale), ticket_version = EXCLUDED.ticket_version,"
            " updated_at = now()"
            " WHERE notify_tickets.ticket_version < EXCLUDED.ticket_version"
            " RETURNING ticket_id, number, subject, customer_id, assignee_id, status, locale, ticket_version"
        ),
        params,
    )
    row = upserted.first()
    if row is None:
        row = (
            await session.execute(
                text(
                    "SELECT ticket_id, number, subject, customer_id, assignee_id, status, locale, ticket_version"
                    " FROM notify_tickets WHERE merchant_id = :m AND ticket_id = :t"
                ),
                params,
            )
        ).one()
    return TicketRow(*row)


async def ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> TicketRow | None:
    result = await session.execute(
        text(
            "SELECT ticket_id, number, subject, customer_id, assignee_id, status, locale, ticket_version"
            " FROM notify_tickets WHERE merchant_id = :m AND ticket_id = :t"
        ),
        {"m": merchant_id, "t": ticket_id},
    )
    row = result.first()
    return TicketRow(*row) if row else None
