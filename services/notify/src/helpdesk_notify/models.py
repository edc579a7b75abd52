"""Tables of the notify service (the migrations create them; these declarations let queries name their columns).

Every table that grows with traffic leads with merchant_id; the email queue's partial index on
`next_attempt_at` is the exception, being a due-time queue read across merchants (like the kit's outbox).
"""

from __future__ import annotations

from sqlalchemy import ARRAY, BigInteger, Boolean, Column, DateTime, Integer, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import SQLModel

import helpdesk_servicekit.idempotency
import helpdesk_servicekit.inbox
import helpdesk_servicekit.outbox  # noqa: F401  (the kit tables share this metadata)

metadata = SQLModel.metadata


def _updated() -> Column:  # type: ignore[type-arg]
    return Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now())


contacts = Table(
    "notify_contacts",
    metadata,
    Column("merchant_id", Text, primary_key=True),
    Column("user_id", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("email", Text),
    Column("name", Text),
    Column("locale", Text),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("status", Text),
    Column("status_at", DateTime(timezone=True)),
    Column("version", BigInteger, nullable=False, server_default="0"),
    _updated(),
)

tickets = Table(
    "notify_tickets",
    metadata,
    Column("merchant_id", Text, primary_key=True),
    Column("ticket_id", Uuid, primary_key=True),
    Column("number", Integer, nullable=False),
    Column("subject", Text, nullable=False),
    Column("customer_id", Text, nullable=False),
    Column("assignee_id", Text),
    Column("status", Text, nullable=False),
    Column("locale", Text),
    Column("ticket_version", Integer, nullable=False),
    _updated(),
)

notifications = Table(
    "notifications",
    metadata,
    Column("merchant_id", Text, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("recipient_id", Text, nullable=False),
    Column("audience", Text, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("ticket_id", Uuid),
    Column("ticket_number", Integer),
    Column("title", Text, nullable=False),
    Column("body", Text),
    Column("link", Text),
    Column("data", JSONB, nullable=False),
    Column("channels", ARRAY(Text), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_at", DateTime(timezone=True)),
)

email_deliveries = Table(
    "email_deliveries",
    metadata,
    Column("merchant_id", Text, primary_key=True),
    Column("notification_id", Uuid, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("recipient_id", Text, nullable=False),
    Column("to_address", Text),
    Column("status", Text, nullable=False),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("message_id", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("thread_id", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _updated(),
    Column("sent_at", DateTime(timezone=True)),
)

preferences = Table(
    "notify_preferences",
    metadata,
    Column("merchant_id", Text, primary_key=True),
    Column("scope", Text, primary_key=True),  # "user" (subject = user id) or "role" (subject = role: merchant default)
    Column("subject", Text, primary_key=True),
    Column("event_type", Text, primary_key=True),
    Column("channel", Text, primary_key=True),
    Column("enabled", Boolean, nullable=False),
    _updated(),
)
