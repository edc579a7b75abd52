"""Tables of the SLA service (the migrations create them; these declarations let queries name their columns).

Every table that grows with traffic leads with merchant_id; `sla_timers` is the exception, being a due-time queue
read by fire time across merchants.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import SQLModel

import helpdesk_servicekit.idempotency
import helpdesk_servicekit.inbox
import helpdesk_servicekit.outbox  # noqa: F401  (the kit tables share this metadata)

metadata = SQLModel.metadata


def _created() -> Column:  # type: ignore[type-arg]
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _updated() -> Column:  # type: ignore[type-arg]
    return Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now())


calendars = Table(
    "sla_calendars",
    metadata,
    Column("merchant_id", Text, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("current_version", Integer, nullable=False),
    _created(),
    _updated(),
    PrimaryKeyConstraint("merchant_id", "id", name="pk_sla_calendars"),
)

calendar_versions = Table(
    "sla_calendar_versions",
    metadata,
    Column("merchant_id", Text, nullable=False),
    Column("calendar_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("time_zone", Text, nullable=False),
    Column("always_open", Boolean, nullable=False),
    Column("weekly_hours", JSONB, nullable=False, server_default=text("'[]'")),
    Column("holidays", JSONB, nullable=False, server_default=text("'[]'")),
    Column("created_by", Text),
    _created(),
    PrimaryKeyConstraint("merchant_id", "calendar_id", "version", name="pk_sla_calendar_versions"),
)

policies = Table(
    "sla_policies",
    metadata,
    Column("merchant_id", Text, nullable=False),
    Column("id", Uuid, nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    _created(),
    _updated(),
    PrimaryKeyConstraint("merchant_id", "id", name="pk_sla_policies"),
)

policy_versions = Table(
    "sla_policy_versions",
    metadata,
    Column("merchant_id", Text, nullable=False),
    Column("policy_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("priority", Text, nullable=False),
    Column("category_id", Uuid),
    Column("tags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("first_response_seconds", Float),
    Column("next_response_seconds", Float),
    Column("resolution_seconds", Float),
    Column("warn_before_seconds", Float),
    Column("warn_at_percent", Float),
    Column("pause_statuses", ARRAY(Text), nullable=False),
    Column("calendar_id", Uuid),
    Column("escalation", JSONB, nullable=False, server_default=text("'[]'")),
    Column("created_by", Text),
    _created(),
    PrimaryKeyConstraint("merchant_id", "policy_id", "version", name="pk_sla_policy_versions"),
)

tickets = Table(
    "sla_tickets",
    metadata,
    Column("merchant_id", Text, nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    Column("ticket_version", BigInteger, nullable=False),
    Column("status", Text, nullable=False),
    Column("priority", Text, nullable=False),
    Column("category_id", Uuid),
    Column("tags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("escalation_level", Integer, nullable=False, server_default="1"),
    Column("policy_id", Uuid),
    Column("policy_version", Integer),
    Column("calendar_version", Integer),
    Column("ticket_created_at", DateTime(timezone=True), nullable=False),
    _created(),
    _updated(),
    PrimaryKeyConstraint("merchant_id", "ticket_id", name="pk_sla_tickets"),
    postgresql_with={"fillfactor": 80},
)

ticket_facts = Table(
    "sla_ticket_facts",
    metadata,
    Column("merchant_id", Text, nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("seq", SmallInteger, nullable=False),
    Column("event_id", Uuid),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),
    Column("priority", Text, nullable=False),
    Column("category_id", Uuid),
    Column("tags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("author", Text),
    Column("escalation_level", Integer, nullable=False, server_default="1"),
    Column("placement_resolved", Boolean, nullable=False, server_default=text("false")),
    Column("policy_id", Uuid),
    Column("policy_version", Integer),
    Column("calendar_version", Integer),
    Column("replan", Boolean, nullable=False, server_default=text("false")),
    PrimaryKeyConstraint("merchant_id", "ticket_id", "version", "seq", name="pk_sla_ticket_facts"),
)

clocks = Table(
    "sla_clocks",
    metadata,
    Column("merchant_id", Text, nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    Column("metric", Text, nullable=False),
    Column("run", Integer, nullable=False),
    Column("policy_id", Uuid, nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("priority", Text, nullable=False),
    Column("calendar_id", Uuid),
    Column("calendar_version", Integer),
    Column("target_seconds", Float, nullable=False),
    Column("state", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("segments", JSONB, nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Column("warned_at", DateTime(timezone=True)),
    Column("breached_at", DateTime(timezone=True)),
    Column("met_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("business_seconds_used", Float),
    Column("met_count", SmallInteger, nullable=False, server_default="0"),
    _updated(),
    PrimaryKeyConstraint("merchant_id", "ticket_id", "metric", "run", name="pk_sla_clocks"),
    Index("ix_sla_clocks_merchant_started", "merchant_id", "started_at"),
    Index(
        "ix_sla_clocks_merchant_open_policy",
        "merchant_id",
        "policy_id",
        postgresql_where=text("state IN ('running', 'paused')"),
    ),
    Index(
        "ix_sla_clocks_merchant_open_calendar",
        "merchant_id",
        "calendar_id",
        postgresql_where=text("state IN ('running', 'paused') AND calendar_id IS NOT NULL"),
    ),
    postgresql_with={"fillfactor": 80},
)

timers = Table(
    "sla_timers",
    metadata,
    Column("merchant_id", Text, nullable=False),
    Column("ticket_id", Uuid, nullable=False),
    Column("metric", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("run", Integer, nullable=False),
    Column("fire_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("merchant_id", "ticket_id", "metric", "kind", "level", name="pk_sla_timers"),
    Index("ix_sla_timers_fire_at", "fire_at"),
)
