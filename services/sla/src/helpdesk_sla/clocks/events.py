"""Domain SLA events to integration events: envelopes, and the outbox rows that carry them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from helpdesk_contracts import (
    REGISTRY,
    Payload,
    SlaBreached,
    SlaEscalationRequested,
    SlaMet,
    SlaMetric,
    SlaWarning,
)
from helpdesk_servicekit import outbox
from helpdesk_sla.clocks.repository import TicketRecord
from helpdesk_sla.domain import SlaEvent, SlaEventKind

PRODUCER = "sla"
_KEYS = {model: key for key, model in REGISTRY.items()}
_CLOCK_EVENTS: dict[SlaEventKind, type[SlaWarning | SlaBreached | SlaMet]] = {
    SlaEventKind.WARNING: SlaWarning,
    SlaEventKind.BREACHED: SlaBreached,
    SlaEventKind.MET: SlaMet,
}


def payload_of(record: TicketRecord, event: SlaEvent) -> Payload:
    metric = SlaMetric(event.metric.value)
    if event.kind is SlaEventKind.ESCALATION_REQUESTED:
        return SlaEscalationRequested(
            ticket_id=record.ticket_id,
            level=event.level or 0,
            metric=metric,
            breached_at=event.breached_at,
            policy_id=event.policy_id,
            policy_version=event.policy_version,
            from_level=event.from_level,
            ticket_version=record.ticket_version,
        )
    return _CLOCK_EVENTS[event.kind](
        ticket_id=record.ticket_id,
        metric=metric,
        due_at=event.due_at,
        at=event.at,
        business_seconds_used=round(event.business_seconds_used, 6),
        policy_id=event.policy_id,
        policy_version=event.policy_version,
        ticket_version=record.ticket_version,
        run=event.run,
        target_seconds=event.target_seconds,
        within_target=event.within_target,
        priority=event.priority,
    )


def envelopes(
    record: TicketRecord, events: Sequence[SlaEvent], *, correlation_id: str | None, causation_id: str | None
) -> list[dict[str, Any]]:
    """Envelopes as the outbox stores them (the shape make_envelope gives, serialised once)."""
    now = datetime.now(UTC).isoformat()
    staged = []
    for event in events:
        payload = payload_of(record, event)
        event_type, schema_version = _KEYS[type(payload)]
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
                "payload": payload.model_dump(mode="json"),
            }
        )
    return staged


def outbox_rows(staged: Sequence[tuple[TicketRecord, dict[str, Any]]]) -> list[tuple[Any, ...]]:
    """The outbox rows servicekit's outbox.add would write (partitioned by ticket, with trace headers), for
    repository.save to insert with the round's other writes."""
    headers = outbox.trace_headers()
    rows = []
    for record, envelope in staged:
        row_headers = headers | ({"x-correlation-id": envelope["correlation_id"]} if envelope["correlation_id"] else {})
        rows.append(
            (
                uuid.UUID(envelope["event_id"]),
                envelope["merchant_id"],
                envelope["event_type"],
                outbox.partition_of(str(record.ticket_id)),
                json.dumps(envelope),
                json.dumps(row_headers),
            )
        )
    return rows
