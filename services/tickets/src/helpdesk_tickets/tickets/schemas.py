"""HTTP schemas of tickets: Create / Update / Read, and the queue view's query."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from helpdesk_contracts import Priority, TicketStatus

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Locale = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketCreate(Strict):
    subject: Subject
    description: Description = ""
    priority: Priority = Priority.NORMAL
    customer_id: ExternalId | None = Field(default=None, description="required when an agent files for a customer")
    customer_email: Email | None = Field(default=None, description="staff only: a customer's comes from their token")
    customer_name: Name | None = Field(default=None, description="staff only: a customer's comes from their token")
    locale: Locale | None = Field(default=None, description="staff only: a customer's comes from their token")
    category_id: uuid.UUID | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    order_id: ExternalId | None = None
    product_id: ExternalId | None = None


class TicketUpdate(Strict):
    """Only the fields present change; `null` clears category, order and product."""

    subject: Subject | None = None
    priority: Priority | None = None
    category_id: uuid.UUID | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    order_id: ExternalId | None = None
    product_id: ExternalId | None = None


class TagsChange(Strict):
    tags: list[Tag] = Field(min_length=1, max_length=50)


class StatusChange(Strict):
    status: TicketStatus


class TicketRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    merchant_id: str
    customer_id: str
    customer_email: str | None
    customer_name: str | None
    locale: str | None
    subject: str
    description: str
    status: TicketStatus
    priority: Priority
    category_id: uuid.UUID | None
    tags: list[str]
    assignee_id: str | None
    group_id: str | None
    escalation_level: int
    order_id: str | None
    product_id: str | None
    sla_state: str
    sla_due_at: datetime | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
