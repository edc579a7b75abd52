"""Domain SLA events to integration events: envelopes, and the outbox rows that carry them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from helpdesk_contracts import REGISTRY, Payload, SlaBreached, SlaEscalationRequested, SlaMet, SlaWarning
from helpdesk_servicekit import outbox
from helpdesk_sla.clocks.repository import TicketRecord
from helpdesk_sla.domain import SlaEvent, SlaEventKind

PRODUCER = "sla"
_MODELS: dict[SlaEventKind, type[Payload]] = {
    SlaEventKind.WARNING: SlaWarning,
    SlaEventKind.BREACHED: SlaBreached,
    SlaEventKind.MET: SlaMet,
    SlaEventKind.ESCALATION_REQUESTED: SlaEscalationRequested,
}
_KEYS = {kind: next(key for key, model in REGISTRY.items() if model is _MODELS[kind]) for kind in _MODELS}


def payload_of(record: TicketRecord, event: SlaEvent) -> dict[str, Any]:
    """The payload exactly as the contract's model serialises it (SlaBreached, SlaEscalationRequested, ...).

    Built by hand because this runs for every deadline the timer worker fires; tests check each kind against
    the contract models, so a change there that this misses fails them.
    """
    common = {
        "ticket_id": str(record.ticket_id),
        "metric": event.metric.value,
        "policy_id": str(event.policy_id),
        "policy_version": event.policy_version,
    }
    if event.kind is SlaEventKind.ESCALATION_REQUESTED:
        return common | {
            "level": event.level or 0,
            "breached_at": _iso(event.breached_at),
            "from_level": event.from_level,
            "ticket_version": record.ticket_version,
        }
    return common | {
        "due_at": _iso(event.due_at),
        "at": _iso(event.at),
        "business_seconds_used": round(float(event.business_seconds_used), 6),
        "ticket_version": record.ticket_version,
        "run": event.run,
        "target_seconds": float(event.target_seconds),
        "within_target": event.within_target,
        "priority": event.priority,
    }


def _iso(instant: datetime | None) -> str | None:
    """An instant as pydantic writes it in JSON: ISO 8601 in UTC with a Z."""
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def envelopes(
    record: TicketRecord, events: Sequence[SlaEvent], *, correlation_id: str | None, causation_id: str | None
) -> list[dict[str, Any]]:
    """Envelopes as the outbox stores them (the shape make_envelope gives, serialised once)."""
    now = _iso(datetime.now(UTC))
    staged = []
    for event in events:
        event_type, schema_version = _KEYS[event.kind]
        staged.append(
            {
                "event_id": str(uuid.uuid4()),
                "event_type": event_type,
                "schema_version": schema_version,
                "occurred_at": now,
                "merchant_id": record.merchant_id,
                "producer": PRODUCER,
                "correlation_id": correlation_id,
                "causation_id": causation_id,
                "payload": payload_of(record, event),
            }
        )
    return staged


def outbox_rows(staged: Sequence[tuple[TicketRecord, dict[str, Any]]]) -> list[tuple[Any, ...]]:
    """The outbox rows servicekit's outbox.add would write (partitioned by ticket, with trace headers), for
    repository.save to insert with the round's other writes."""
    headers = outbox.trace_headers()
    plain_headers = json.dumps(headers)
    rows = []
    for record, envelope in staged:
        correlation_id = envelope["correlation_id"]
        rows.append(
            (
                uuid.UUID(envelope["event_id"]),
                envelope["merchant_id"],
                envelope["event_type"],
                outbox.partition_of(str(record.ticket_id)),
                json.dumps(envelope),
                json.dumps(headers | {"x-correlation-id": correlation_id}) if correlation_id else plain_headers,
            )
        )
    return rows
