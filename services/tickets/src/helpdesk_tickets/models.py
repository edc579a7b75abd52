"""Tables of the tickets service. Every table that grows with traffic leads with merchant_id.

The schema itself is written by the Alembic migrations; these models map it for the ORM.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from helpdesk_contracts import Priority

# The stored, indexed sort key of the priority: generated from Priority.rank, the one place the order is written.
PRIORITY_RANK_SQL = "CASE priority " + " ".join(f"WHEN '{p.value}' THEN {p.rank}" for p in Priority) + " END"


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
    customer_email: str | None = Field(default=None, sa_column=Column(Text))
    customer_name: str | None = Field(default=None, sa_column=Column(Text))
    locale: str | None = Field(default=None, sa_column=Column(Text))
    subject: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(Text, nullable=False))
    priority: str = Field(sa_column=Column(Text, nullable=False))
    priority_rank: int | None = Field(default=None, sa_column=Column(SmallInteger, Computed(PRIORITY_RANK_SQL)))
    category_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}"))
    assignee_id: str | None = Field(default=None, sa_column=Column(Text))
    # The routing group whose queue the ticket is in (from routing's decisions; a ticket routing never saw has none).
    group_id: str | None = Field(default=None, sa_column=Column(Text))
    escalation_level: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    order_id: str | None = Field(default=None, sa_column=Column(Text))
    product_id: str | None = Field(default=None, sa_column=Column(Text))
    sla_state: str = Field(default="on_track", sa_column=Column(Text, nullable=False, server_default="on_track"))
    sla_due_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True, default_now=False))
    sla_clocks: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    # The version a manual (un)assignment left the ticket at, and the basis of the last routing decision applied.
    manual_assignment_version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    routing_version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    routing_decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True, default_now=False))
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


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    parent_id: uuid.UUID | None = None
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default="true"))
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())


class HistoryEntry(SQLModel, table=True):
    """One change to a ticket. Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "ticket_history"

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    ticket_id: uuid.UUID
    at: datetime = Field(sa_column=_ts())
    actor_id: str = Field(sa_column=Column(Text, nullable=False))
    actor_role: str = Field(sa_column=Column(Text, nullable=False))
    field: str = Field(sa_column=Column(Text, nullable=False))
    old_value: Any = Field(default=None, sa_column=Column(JSONB))
    new_value: Any = Field(default=None, sa_column=Column(JSONB))
    ticket_version: int = Field(sa_column=Column(BigInteger, nullable=False))


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    ticket_id: uuid.UUID
    message_id: uuid.UUID | None = None
    uploader_id: str = Field(sa_column=Column(Text, nullable=False))
    uploader_role: str = Field(sa_column=Column(Text, nullable=False))
    filename: str = Field(sa_column=Column(Text, nullable=False))
    content_type: str = Field(sa_column=Column(Text, nullable=False))
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(sa_column=Column(Text, nullable=False))
    storage: str = Field(sa_column=Column(Text, nullable=False))
    storage_key: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_ts())


class AttachmentChunk(SQLModel, table=True):
    __tablename__ = "attachment_chunks"

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    attachment_id: uuid.UUID = Field(primary_key=True)
    seq: int = Field(sa_column=Column(Integer, primary_key=True))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Compensation(SQLModel, table=True):
    __tablename__ = "compensations"

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    ticket_id: uuid.UUID
    type: str = Field(sa_column=Column(Text, nullable=False))
    amount: Decimal = Field(sa_column=Column(Numeric(20, 4), nullable=False))
    currency: str = Field(sa_column=Column(Text, nullable=False))
    order_id: str | None = Field(default=None, sa_column=Column(Text))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(Text, nullable=False))
    requested_by: str = Field(sa_column=Column(Text, nullable=False))
    requested_role: str = Field(sa_column=Column(Text, nullable=False))
    decided_by: str | None = Field(default=None, sa_column=Column(Text))
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True, default_now=False))
    decision_comment: str | None = Field(default=None, sa_column=Column(Text))
    issued_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True, default_now=False))
    created_at: datetime = Field(sa_column=_ts())


class MerchantSettingsOverrides(SQLModel, table=True):
    """Per-merchant overrides of the service defaults; NULL means 'use the default'."""

    __tablename__ = "merchant_settings"

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    auto_close_seconds: int | None = Field(default=None, sa_column=Column(Integer))
    reopen_window_seconds: int | None = Field(default=None, sa_column=Column(Integer))
    approval_threshold: Decimal | None = Field(default=None, sa_column=Column(Numeric(20, 4)))
    approval_thresholds: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    agents_see_all_tickets: bool | None = Field(default=None, sa_column=Column(Boolean))
    updated_by: str | None = Field(default=None, sa_column=Column(Text))
    updated_at: datetime = Field(sa_column=_ts())


class Agent(SQLModel, table=True):
    """The tickets service's copy of routing's agent directory (`agent.upserted`, last `version` wins)."""

    __tablename__ = "agents"

    merchant_id: str = Field(sa_column=Column(Text, primary_key=True))
    agent_id: str = Field(sa_column=Column(Text, primary_key=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    email: str | None = Field(default=None, sa_column=Column(Text))
    locale: str | None = Field(default=None, sa_column=Column(Text))
    role: str = Field(sa_column=Column(Text, nullable=False))
    tier: int = Field(sa_column=Column(SmallInteger, nullable=False))
    group_ids: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False))
    active: bool = Field(sa_column=Column(Boolean, nullable=False))
    version: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(sa_column=_ts())
