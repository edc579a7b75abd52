"""Queries of the ticket projection, the invitations and the responses."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import TicketSnapshot
from helpdesk_feedback.domain.surveys import Reopen

# Newer facts replace the projection; older ones only add the reopen they carry. The row lock taken here
# serializes the events of one ticket for the rest of the handler's transaction.
_UPSERT_TICKET = text(
    """
    INSERT INTO survey_tickets AS t (merchant_id, ticket_id, version, number, customer_id, customer_email,
        customer_name, locale, status, assignee_id, category_id, reopens)
    VALUES (:m, :id, :v, :number, :customer_id, :email, :name, :locale, :status, :assignee, :category,
        CAST(:reopens AS jsonb))
    ON CONFLICT (merchant_id, ticket_id) DO UPDATE SET
        version = greatest(t.version, EXCLUDED.version),
        number = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.number ELSE t.number END,
        customer_id = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.customer_id ELSE t.customer_id END,
        customer_email = CASE WHEN EXCLUDED.version > t.version THEN coalesce(EXCLUDED.customer_email, t.customer_email)
            ELSE coalesce(t.customer_email, EXCLUDED.customer_email) END,
        customer_name = CASE WHEN EXCLUDED.version > t.version THEN coalesce(EXCLUDED.customer_name, t.customer_name)
            ELSE coalesce(t.customer_name, EXCLUDED.customer_name) END,
        locale = CASE WHEN EXCLUDED.version > t.version
            THEN coalesce(EXCLUDED.locale, t.locale) ELSE coalesce(t.locale, EXCLUDED.locale) END,
        status = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.status ELSE t.status END,
        assignee_id = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.assignee_id ELSE t.assignee_id END,
        category_id = CASE WHEN EXCLUDED.version > t.version THEN EXCLUDED.category_id ELSE t.category_id END,
        reopens = CASE WHEN t.reopens @> EXCLUDED.reopens THEN t.reopens ELSE t.reopens || EXCLUDED.reopens END,
        updated_at = now()
    RETURNING reopens
    """
)


async def upsert_ticket(
    session: AsyncSession, merchant_id: str, ticket: TicketSnapshot, reopen: Reopen | None
) -> list[Reopen]:
    """Apply a ticket fact to the projection; returns every reopen known for the ticket."""
    reopens = [{"version": reopen.version, "at": reopen.at.isoformat()}] if reopen else []
    row = (
        await session.execute(
            _UPSERT_TICKET,
            {
                "m": merchant_id,
                "id": ticket.ticket_id,
                "v": ticket.ticket_version,
                "number": ticket.number,
                "customer_id": ticket.customer_id,
                "email": ticket.customer_email,
                "name": ticket.customer_name,
                "locale": ticket.locale,
                "status": ticket.status.value,
                "assignee": ticket.assignee_id,
                "category": ticket.category_id,
                "reopens": json.dumps(reopens),
            },
        )
    ).one()
    return [Reopen(int(r["version"]), datetime.fromisoformat(r["at"])) for r in row.reopens]


async def get_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> Row[Any] | None:
    return (
        await session.execute(
            text("SELECT * FROM survey_tickets WHERE merchant_id = :m AND ticket_id = :id"),
            {"m": merchant_id, "id": ticket_id},
        )
    ).first()


async def insert_invitation(
    session: AsyncSession,
    merchant_id: str,
    invitation_id: uuid.UUID,
    ticket: TicketSnapshot,
    episode: int,
    survey_type: str,
    status: str,
    due_at: datetime,
    cancelled_reason: str | None,
) -> bool:
    """Create the episode's invitation of this type; False when it already exists (a duplicate event)."""
    inserted = await session.execute(
        text(
            "INSERT INTO survey_invitations (merchant_id, id, ticket_id, episode, survey_type, status, due_at,"
            " customer_id, agent_id, category_id, cancelled_reason)"
            " VALUES (:m, :id, :ticket, :episode, :t, :status, :due, :customer, :agent, :category, :reason)"
            " ON CONFLICT (merchant_id, ticket_id, episode, survey_type) DO NOTHING RETURNING id"
        ),
        {
            "m": merchant_id,
            "id": invitation_id,
            "ticket": ticket.ticket_id,
            "episode": episode,
            "t": survey_type,
            "status": status,
            "due": due_at,
            "customer": ticket.customer_id,
            "agent": ticket.assignee_id,
            "category": ticket.category_id,
            "reason": cancelled_reason,
        },
    )
    return inserted.first() is not None


async def cancellable(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, reopen: Reopen) -> list[uuid.UUID]:
    """The ticket's pending invitations of earlier episodes that were not yet due when it reopened."""
    rows = await session.execute(
        text(
            "SELECT id FROM survey_invitations WHERE merchant_id = :m AND ticket_id = :ticket"
            " AND status = 'scheduled' AND episode < :v AND due_at > :at"
        ),
        {"m": merchant_id, "ticket": ticket_id, "v": reopen.version, "at": reopen.at},
    )
    return [row.id for row in rows]


async def cancel_scheduled(
    session: AsyncSession, merchant_id: str, invitation_ids: list[uuid.UUID], reason: str
) -> list[Row[Any]]:
    """Cancel those of `invitation_ids` still scheduled (one being sent meanwhile is left alone)."""
    rows = await session.execute(
        text(
            "UPDATE survey_invitations SET status = 'cancelled', cancelled_reason = :reason"
            " WHERE merchant_id = :m AND id = ANY(:ids) AND status = 'scheduled' RETURNING id, survey_type"
        ),
        {"m": merchant_id, "ids": invitation_ids, "reason": reason},
    )
    return list(rows)


async def lock_invitation(session: AsyncSession, merchant_id: str, invitation_id: uuid.UUID) -> Row[Any] | None:
    return (
        await session.execute(
            text("SELECT * FROM survey_invitations WHERE merchant_id = :m AND id = :id FOR UPDATE"),
            {"m": merchant_id, "id": invitation_id},
        )
    ).first()


async def mark_cancelled(session: AsyncSession, merchant_id: str, invitation_id: uuid.UUID, reason: str) -> None:
    await session.execute(
        text(
            "UPDATE survey_invitations SET status = 'cancelled', cancelled_reason = :reason"
            " WHERE merchant_id = :m AND id = :id"
        ),
        {"m": merchant_id, "id": invitation_id, "reason": reason},
    )


async def mark_sent(
    session: AsyncSession,
    merchant_id: str,
    invitation_id: uuid.UUID,
    *,
    token_hash: str,
    question: str,
    agent_id: str | None,
    category_id: uuid.UUID | None,
    sent_at: datetime,
    expires_at: datetime,
) -> None:
    await session.execute(
        text(
            "UPDATE survey_invitations SET status = 'sent', token_hash = :h, question = :q, agent_id = :a,"
            " category_id = :c, sent_at = :sent, expires_at = :expires WHERE merchant_id = :m AND id = :id"
        ),
        {
            "m": merchant_id,
            "id": invitation_id,
            "h": token_hash,
            "q": question,
            "a": agent_id,
            "c": category_id,
            "sent": sent_at,
            "expires": expires_at,
        },
    )


async def find_by_token(session: AsyncSession, token_hash: str, *, for_update: bool = False) -> Row[Any] | None:
    """The sent (or answered) invitation a link token names; the token is the only key a customer holds."""
    lock = " FOR UPDATE OF i" if for_update else ""
    return (
        await session.execute(
            text(
                "SELECT i.*, t.number AS ticket_number FROM survey_invitations i"
                " LEFT JOIN survey_tickets t ON t.merchant_id = i.merchant_id AND t.ticket_id = i.ticket_id"
                f" WHERE i.token_hash = :h AND i.status IN ('sent', 'answered'){lock}"
            ),
            {"h": token_hash},
        )
    ).first()


async def record_response(
    session: AsyncSession, invitation: Row[Any], score: int, comment: str | None, responded_at: datetime
) -> bool:
    """Store the answer and mark the invitation answered; False when it was already answered."""
    inserted = await session.execute(
        text(
            "INSERT INTO survey_responses (merchant_id, invitation_id, ticket_id, survey_type, score, comment,"
            " agent_id, category_id, responded_at) VALUES (:m, :id, :ticket, :t, :score, :comment, :a, :c, :at)"
            " ON CONFLICT DO NOTHING RETURNING invitation_id"
        ),
        {
            "m": invitation.merchant_id,
            "id": invitation.id,
            "ticket": invitation.ticket_id,
            "t": invitation.survey_type,
            "score": score,
            "comment": comment,
            "a": invitation.agent_id,
            "c": invitation.category_id,
            "at": responded_at,
        },
    )
    if inserted.first() is None:
        return False
    await session.execute(
        text(
            "UPDATE survey_invitations SET status = 'answered', responded_at = :at WHERE merchant_id = :m AND id = :id"
        ),
        {"m": invitation.merchant_id, "id": invitation.id, "at": responded_at},
    )
    return True


async def response_of(session: AsyncSession, merchant_id: str, invitation_id: uuid.UUID) -> Row[Any] | None:
    return (
        await session.execute(
            text(
                "SELECT score, comment, responded_at FROM survey_responses"
                " WHERE merchant_id = :m AND invitation_id = :id"
            ),
            {"m": merchant_id, "id": invitation_id},
        )
    ).first()


async def invitations_of_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> list[Row[Any]]:
    rows = await session.execute(
        text(
            "SELECT id, ticket_id, episode, survey_type, status, due_at, sent_at, expires_at, responded_at,"
            " agent_id, category_id, cancelled_reason, created_at FROM survey_invitations"
            " WHERE merchant_id = :m AND ticket_id = :ticket ORDER BY episode, survey_type"
        ),
        {"m": merchant_id, "ticket": ticket_id},
    )
    return list(rows)
