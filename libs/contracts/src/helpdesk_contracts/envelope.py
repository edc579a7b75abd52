"""The event envelope every message on `helpdesk.events` travels in (DESIGN §3)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Payload(BaseModel):
    """Base of every event payload: unknown fields are kept so older consumers tolerate additions."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Envelope(BaseModel):
    """Metadata plus a payload; `payload` is validated against the registry by `parse_envelope`."""

    model_config = ConfigDict(extra="allow")

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    schema_version: int = 1
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    merchant_id: str
    producer: str
    correlation_id: str | None = None
    causation_id: str | None = None
    payload: dict[str, Any]

    def typed_payload(self) -> Payload:
        """The payload validated as the model registered for this event type and version."""
        from helpdesk_contracts.registry import payload_model

        return payload_model(self.event_type, self.schema_version).model_validate(self.payload)
