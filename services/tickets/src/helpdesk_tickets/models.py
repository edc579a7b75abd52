"""Tables of the tickets service. Every table that grows with traffic leads with merchant_id."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, Column, DateTime, Index, Integer, Text, func
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False, default_now: bool = True) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable, server_default=func.now() if default_now else None)


class TicketCounter(SQLModel, table=True):
    """The last human ticket number handed out per merchant (#1042)."""

    __tablename__ = "ticket_counters"
    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    last_number: int = Field(sa_column=Column(BigInteger, nullable=False))


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("uq_tickets_merchant_number", "merchant_id", "number", unique=True),
        Index("ix_tickets_merchant_created", "merchant_id", "created_at", "id"),
        Index("ix_tickets_merchant_customer_created", "merchant_id", "customer_id", "created_at", "id"),
        Index("ix_tickets_merchant_status_created", "merchant_id", "status", "created_at", "id"),
    )

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    number: int = Field(sa_column=Column(BigInteger, nullable=False))
    customer_id: str = Field(sa_column=Column(Text, nullable=False))
    subject: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(Text, nullable=False))
    priority: str = Field(sa_column=Column(Text, nullable=False))
    category_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}"))
    assignee_id: str | None = Field(default=None, sa_column=Column(Text))
    escalation_level: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    order_id: str | None = Field(default=None, sa_column=Column(Text))
    product_id: str | None = Field(default=None, sa_column=Column(Text))
    first_responded_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True, default_now=False))
    resolved_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True, default_now=False))
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True, default_now=False))
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())
    version: int = Field(default=1, sa_column=Column(BigInteger, nullable=False))


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_merchant_ticket_created", "merchant_id", "ticket_id", "created_at", "id"),)

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    ticket_id: uuid.UUID
    author_id: str = Field(sa_column=Column(Text, nullable=False))
    author_role: str = Field(sa_column=Column(Text, nullable=False))
    visibility: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())
