"""Routing keys, the exchange names and the (event_type, schema_version) → payload model registry."""

from __future__ import annotations

from typing import Any

from helpdesk_contracts.envelope import Envelope, Payload
from helpdesk_contracts.others import (
    RoutingAssignmentDecided,
    RoutingTicketQueued,
    SlaBreached,
    SlaEscalationRequested,
    SlaMet,
    SlaWarning,
)
from helpdesk_contracts.tickets import (
    TicketAssigned,
    TicketCompensationIssued,
    TicketCreated,
    TicketEscalated,
    TicketMessageAdded,
    TicketStatusChanged,
    TicketUpdated,
)

EVENTS_EXCHANGE = "helpdesk.events"
DEAD_LETTER_EXCHANGE = "helpdesk.dead"


class EventType:
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    TICKET_STATUS_CHANGED = "ticket.status_changed"
    TICKET_ASSIGNED = "ticket.assigned"
    TICKET_MESSAGE_ADDED = "ticket.message_added"
    TICKET_ESCALATED = "ticket.escalated"
    TICKET_COMPENSATION_ISSUED = "ticket.compensation_issued"
    ROUTING_ASSIGNMENT_DECIDED = "routing.assignment_decided"
    ROUTING_TICKET_QUEUED = "routing.ticket_queued"
    SLA_WARNING = "sla.warning"
    SLA_BREACHED = "sla.breached"
    SLA_MET = "sla.met"
    SLA_ESCALATION_REQUESTED = "sla.escalation_requested"


REGISTRY: dict[tuple[str, int], type[Payload]] = {
    (EventType.TICKET_CREATED, 1): TicketCreated,
    (EventType.TICKET_UPDATED, 1): TicketUpdated,
    (EventType.TICKET_STATUS_CHANGED, 1): TicketStatusChanged,
    (EventType.TICKET_ASSIGNED, 1): TicketAssigned,
    (EventType.TICKET_MESSAGE_ADDED, 1): TicketMessageAdded,
    (EventType.TICKET_ESCALATED, 1): TicketEscalated,
    (EventType.TICKET_COMPENSATION_ISSUED, 1): TicketCompensationIssued,
    (EventType.ROUTING_ASSIGNMENT_DECIDED, 1): RoutingAssignmentDecided,
    (EventType.ROUTING_TICKET_QUEUED, 1): RoutingTicketQueued,
    (EventType.SLA_WARNING, 1): SlaWarning,
    (EventType.SLA_BREACHED, 1): SlaBreached,
    (EventType.SLA_MET, 1): SlaMet,
    (EventType.SLA_ESCALATION_REQUESTED, 1): SlaEscalationRequested,
}

_MODEL_KEYS = {model: key for key, model in REGISTRY.items()}


class UnknownEvent(LookupError):
    pass


def payload_model(event_type: str, schema_version: int) -> type[Payload]:
    """The payload model for an event type and version, or UnknownEvent."""
    try:
        return REGISTRY[(event_type, schema_version)]
    except KeyError:
        raise UnknownEvent(f"unknown event {event_type} v{schema_version}") from None


def make_envelope(
    payload: Payload,
    *,
    merchant_id: str,
    producer: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope:
    """Wrap a registered payload model in a fresh envelope."""
    event_type, version = _MODEL_KEYS[type(payload)]
    return Envelope(
        event_type=event_type,
        schema_version=version,
        merchant_id=merchant_id,
        producer=producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=payload.model_dump(mode="json"),
    )


def parse_envelope(data: bytes | str | dict[str, Any]) -> tuple[Envelope, Payload]:
    """Validate an envelope and its payload against the registry."""
    envelope = Envelope.model_validate(data) if isinstance(data, dict) else Envelope.model_validate_json(data)
    return envelope, envelope.typed_payload()
