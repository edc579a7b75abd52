"""HTTP schemas: Create / Update / Read per resource."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from helpdesk_contracts import Priority, Role, TicketStatus, Visibility

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketCreate(Strict):
    subject: Subject
    description: Description = ""
    priority: Priority = Priority.NORMAL
    customer_id: ExternalId | None = Field(default=None, description="required when an agent files for a customer")
    category_id: uuid.UUID | None = None
    tags: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50
    )
    order_id: ExternalId | None = None
    product_id: ExternalId | None = None


class StatusChange(Strict):
    status: TicketStatus


class MessageCreate(Strict):
    body: Body
    visibility: Visibility = Visibility.PUBLIC


class TicketRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    merchant_id: str
    customer_id: str
    subject: str
    description: str
    status: TicketStatus
    priority: Priority
    category_id: uuid.UUID | None
    tags: list[str]
    assignee_id: str | None
    escalation_level: int
    order_id: str | None
    product_id: str | None
    first_responded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    ticket_id: uuid.UUID
    author_id: str
    author_role: Role
    visibility: Visibility
    body: str
    created_at: datetime
