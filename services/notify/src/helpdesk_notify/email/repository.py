"""Queries of the email queue, which is also the delivery log (queued → sent | failed, with the reason)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_notify.email.render import RenderedEmail

NO_ADDRESS = "no email address known for this recipient"


@dataclass(frozen=True)
class DueEmail:
    merchant_id: str
    notification_id: uuid.UUID
    to_address: str
    attempts: int
    message_id: str
    subject: str
    text_body: str
    html_body: str
    thread_id: str | None


def enqueue_inserted(
    to_address: str | None, email: RenderedEmail, message_id: str, thread_id: str | None
) -> tuple[str, dict[str, Any]]:
    """A statement queueing the email of the notification in `inserted` (see inbox.repository.insert); with no
    address it is logged as failed with the reason at once."""
    sql = (
        "INSERT INTO email_deliveries (merchant_id, notification_id, recipient_id, to_address, status, reason,"
        " message_id, subject, text_body, html_body, thread_id)"
        " SELECT :m, inserted.id, :r, :em_to, :em_status, :em_reason, :em_mid, :em_subject, :em_text, :em_html,"
        " :em_thread FROM inserted ON CONFLICT (merchant_id, notification_id) DO NOTHING"
    )
    return sql, {
        "em_to": to_address,
        "em_status": "queued" if to_address else "failed",
        "em_reason": None if to_address else NO_ADDRESS,
        "em_mid": message_id,
        "em_subject": email.subject,
        "em_text": email.text,
        "em_html": email.html,
        "em_thread": thread_id,
    }


async def claim_due(session: AsyncSession, limit: int) -> list[DueEmail]:
    """Lock up to `limit` due emails for this transaction; other replicas skip them."""
    rows = await session.execute(
        text(
            "SELECT merchant_id, notification_id, to_address, attempts, message_id, subject, text_body, html_body,"
            " thread_id FROM email_deliveries WHERE status = 'queued' AND next_attempt_at <= now()"
            " ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED"
        ),
        {"limit": limit},
    )
    return [DueEmail(*row) for row in rows]


async def mark_sent(session: AsyncSession, email: DueEmail) -> None:
    await session.execute(
        text(
            "UPDATE email_deliveries SET status = 'sent', reason = NULL, attempts = attempts + 1, sent_at = now(),"
            " updated_at = now() WHERE merchant_id = :m AND notification_id = :n"
        ),
        {"m": email.merchant_id, "n": email.notification_id},
    )


async def mark_attempt_failed(session: AsyncSession, email: DueEmail, reason: str, retry_at: datetime | None) -> None:
    """Record a failed attempt: queued again for `retry_at`, or failed for good when None."""
    await session.execute(
        text(
            "UPDATE email_deliveries SET attempts = attempts + 1, reason = :reason, updated_at = now(),"
            " status = CASE WHEN CAST(:retry AS timestamptz) IS NULL THEN 'failed' ELSE 'queued' END,"
            " next_attempt_at = coalesce(CAST(:retry AS timestamptz), next_attempt_at)"
            " WHERE merchant_id = :m AND notification_id = :n"
        ),
        {"m": email.merchant_id, "n": email.notification_id, "reason": reason[:500], "retry": retry_at},
    )


async def next_due(session: AsyncSession) -> datetime | None:
    result = await session.execute(text("SELECT min(next_attempt_at) FROM email_deliveries WHERE status = 'queued'"))
    return result.scalar_one_or_none()


async def log_page(
    session: AsyncSession,
    merchant_id: str,
    *,
    status: str | None,
    recipient_id: str | None,
    notification_id: uuid.UUID | None,
    before_seq: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await session.execute(
        text(
            "SELECT seq, notification_id, recipient_id, to_address, status, reason, attempts, message_id, subject,"
            " created_at, updated_at, sent_at, next_attempt_at FROM email_deliveries WHERE merchant_id = :m"
            + (" AND status = :status" if status else "")
            + (" AND recipient_id = :r" if recipient_id else "")
            + (" AND notification_id = :n" if notification_id else "")
            + (" AND seq < :before" if before_seq is not None else "")
            + " ORDER BY seq DESC LIMIT :limit"
        ),
        {
            "m": merchant_id,
            "status": status,
            "r": recipient_id,
            "n": notification_id,
            "before": before_seq,
            "limit": limit,
        },
    )
    return [dict(r) for r in rows.mappings()]
