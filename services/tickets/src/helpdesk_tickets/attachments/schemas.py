from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    ticket_id: uuid.UUID
    message_id: uuid.UUID | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploader_id: str
    created_at: datetime
