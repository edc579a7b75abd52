"""Payloads of the `ticket.*` events produced by the tickets service."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from helpdesk_contracts.enums import (
    CompensationType,
    EscalationReason,
    Priority,
    Role,
    SlaMetric,
    TicketStatus,
    Visibility,
)
from helpdesk_contracts.envelope import Payload


class TicketSnapshot(Payload):
    """The ticket state a consumer needs, so it never calls back over HTTP."""

    ticket_id: uuid.UUID
    number: int
    customer_id: str
    subject: str
    status: TicketStatus
    priority: Priority
    category_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list)
    assignee_id: str | None = None
    escalation_level: int = 1
    order_id: str | None = None
    product_id: str | None = None
    created_at: datetime
    ticket_version: int
    customer_email: str | None = None
    customer_name: str | None = None
    sla_state: Literal["on_track", "at_risk", "breached"] | None = None
    sla_due_at: datetime | None = None
    # Added within v1 (optional): the text knowledge suggests articles from, and the customer's language.
    description: str | None = None
    locale: str | None = None


class TicketEvent(Payload):
    ticket: TicketSnapshot
    actor_id: str | None = None
    actor_role: Role | None = None


class TicketCreated(TicketEvent):
    event_type = "ticket.created"

    channel: str = "api"


class TicketUpdated(TicketEvent):
    event_type = "ticket.updated"

    changed: list[str]


class TicketStatusChanged(TicketEvent):
    event_type = "ticket.status_changed"

    from_status: TicketStatus
    to_status: TicketStatus


class TicketAssigned(TicketEvent):
    event_type = "ticket.assigned"

    previous_assignee_id: str | None = None
    assignee_id: str | None = None
    source: str = "manual"


class TicketMessageAdded(TicketEvent):
    """An internal note carries `visibility: internal` and never its body (docs/architecture.md §4)."""

    event_type = "ticket.message_added"

    message_id: uuid.UUID
    visibility: Visibility
    author_id: str
    author_role: Role
    body: str | None = None
    attachment_ids: list[uuid.UUID] = Field(default_factory=list)
    first_response: bool = False


class TicketEscalated(TicketEvent):
    event_type = "ticket.escalated"

    from_level: int
    level: int
    reason: EscalationReason
    metric: SlaMetric | None = None


class TicketCompensationIssued(TicketEvent):
    event_type = "ticket.compensation_issued"

    compensation_id: uuid.UUID
    type: CompensationType
    amount: Decimal
    currency: str
    order_id: str | None = None
    reason: str
    # Added within v1: `reason` is internal (staff only); only `customer_note` may reach the customer.
    customer_note: str | None = None


EVENTS: tuple[type[Payload], ...] = (
    TicketCreated,
    TicketUpdated,
    TicketStatusChanged,
    TicketAssigned,
    TicketMessageAdded,
    TicketEscalated,
    TicketCompensationIssued,
)
