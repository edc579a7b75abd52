from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class NotificationRead(BaseModel):
    id: uuid.UUID
    seq: int
    kind: str
    event_type: str
    title: str
    body: str | None = None
    link: str | None = None
    ticket_id: uuid.UUID | None = None
    ticket_number: int | None = None
    data: dict[str, Any]
    channels: list[str]
    created_at: datetime
    read_at: datetime | None = None


class UnreadCount(BaseModel):
    unread: int


class ReadAll(BaseModel):
    marked_read: int
