from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class HistoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: uuid.UUID
    at: datetime
    actor_id: str
    actor_role: str
    field: str
    old_value: Any
    new_value: Any
    ticket_version: int
