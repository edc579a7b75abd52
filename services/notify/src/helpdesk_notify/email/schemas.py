from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class DeliveryRead(BaseModel):
    notification_id: uuid.UUID
    recipient_id: str
    to_address: str | None
    status: Literal["queued", "sent", "failed"]
    reason: str | None
    attempts: int
    message_id: str
    subject: str
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
