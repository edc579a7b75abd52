"""Idempotent consumers: `processed_events` is written in the same transaction as the handler's effects."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, PrimaryKeyConstraint, Text, func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from helpdesk_contracts import Envelope


class ProcessedEvent(SQLModel, table=True):
    """One row per (consumer, event) already applied; the key that makes redelivery harmless."""

    __tablename__ = "processed_events"
    __table_args__ = (PrimaryKeyConstraint("merchant_id", "consumer", "event_id"),)

    merchant_id: str = Field(sa_column=Column(Text, nullable=False))
    consumer: str = Field(sa_column=Column(Text, nullable=False))
    event_id: uuid.UUID
    event_type: str = Field(sa_column=Column(Text, nullable=False))
    processed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


async def claim(session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
    """Record the event as processed by `consumer`; False when it already was (a redelivery).

    A concurrent duplicate blocks on the primary key until the first transaction ends, then sees
    the conflict, so two replicas never both apply one event.
    """
    result = await session.execute(
        text(
            "INSERT INTO processed_events (merchant_id, consumer, event_id, event_type)"
            " VALUES (:m, :c, :e, :t) ON CONFLICT DO NOTHING RETURNING event_id"
        ),
        {"m": envelope.merchant_id, "c": consumer, "e": envelope.event_id, "t": envelope.event_type},
    )
    return result.first() is not None
