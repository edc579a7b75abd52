"""The event envelope every message on `helpdesk.events` travels in, and the payload base class."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Payload(BaseModel):
    """Base of every event payload: unknown fields are kept so older consumers tolerate additions.

    A concrete payload names its routing key and version as class variables; the registry is built from them.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    event_type: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1


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


def iso_utc(instant: datetime) -> str:
    """An instant as pydantic writes it in JSON mode: ISO 8601 in UTC with a trailing Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def envelope_dict(
    event_type: str,
    payload: dict[str, Any],
    *,
    merchant_id: str,
    producer: str,
    schema_version: int = 1,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A JSON-ready envelope, exactly as `Envelope(...).model_dump(mode="json")` gives it, without building
    the model (the hot paths stage thousands a second). `payload` must already be JSON-ready."""
    return {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": event_type,
        "schema_version": schema_version,
        "occurred_at": iso_utc(occurred_at or datetime.now(UTC)),
        "merchant_id": merchant_id,
        "producer": producer,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "payload": payload,
    }
