from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from helpdesk_contracts import Role, Visibility
from helpdesk_tickets.attachments.schemas import AttachmentRead

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Body
    visibility: Visibility = Visibility.PUBLIC
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    ticket_id: uuid.UUID
    author_id: str
    author_role: Role
    visibility: Visibility
    body: str
    created_at: datetime
    attachments: list[AttachmentRead] = Field(default_factory=list)
