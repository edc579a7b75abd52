"""Exchange names and the (event_type, schema_version) → payload model registry, built from each producer's
module (`tickets`, `sla`, `routing`, `knowledge`, `feedback`): a new event is a Payload subclass with its
`event_type` listed in its module's EVENTS."""

from __future__ import annotations

from typing import Any

from helpdesk_contracts import feedback, knowledge, routing, sla, tickets
from helpdesk_contracts.envelope import Envelope, Payload, envelope_dict

EVENTS_EXCHANGE = "helpdesk.events"
DEAD_LETTER_EXCHANGE = "helpdesk.dead"

PRODUCERS: dict[str, tuple[type[Payload], ...]] = {
    "tickets": tickets.EVENTS,
    "sla": sla.EVENTS,
    "routing": routing.EVENTS,
    "knowledge": knowledge.EVENTS,
    "feedback": feedback.EVENTS,
}

REGISTRY: dict[tuple[str, int], type[Payload]] = {
    (model.event_type, model.schema_version): model for models in PRODUCERS.values() for model in models
}


class EventType:
    """Routing keys of the events services consume today (each model's `event_type` is the source)."""

    TICKET_CREATED = tickets.TicketCreated.event_type
    TICKET_UPDATED = tickets.TicketUpdated.event_type
    TICKET_STATUS_CHANGED = tickets.TicketStatusChanged.event_type
    TICKET_ASSIGNED = tickets.TicketAssigned.event_type
    TICKET_MESSAGE_ADDED = tickets.TicketMessageAdded.event_type
    TICKET_ESCALATED = tickets.TicketEscalated.event_type
    TICKET_COMPENSATION_ISSUED = tickets.TicketCompensationIssued.event_type
    ROUTING_ASSIGNMENT_DECIDED = routing.RoutingAssignmentDecided.event_type
    ROUTING_TICKET_QUEUED = routing.RoutingTicketQueued.event_type
    SLA_WARNING = sla.SlaWarning.event_type
    SLA_BREACHED = sla.SlaBreached.event_type
    SLA_MET = sla.SlaMet.event_type
    SLA_ESCALATION_REQUESTED = sla.SlaEscalationRequested.event_type
    SLA_CLOCK_CHANGED = sla.SlaClockChanged.event_type


class UnknownEvent(LookupError):
    pass


def payload_model(event_type: str, schema_version: int) -> type[Payload]:
    """The payload model for an event type and version, or UnknownEvent."""
    try:
        return REGISTRY[(event_type, schema_version)]
    except KeyError:
        raise UnknownEvent(f"unknown event {event_type} v{schema_version}") from None


def producer_of(event_type: str) -> str:
    """The service that publishes `event_type`."""
    for producer, models in PRODUCERS.items():
        if any(model.event_type == event_type for model in models):
            return producer
    raise UnknownEvent(f"unknown event {event_type}")


def typed_payload(envelope: Envelope) -> Payload:
    """The envelope's payload validated as the model registered for its event type and version."""
    return payload_model(envelope.event_type, envelope.schema_version).model_validate(envelope.payload)


def make_envelope(
    payload: Payload,
    *,
    merchant_id: str,
    producer: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope:
    """Wrap a registered payload model in a fresh envelope."""
    model = type(payload)
    return Envelope(
        event_type=model.event_type,
        schema_version=model.schema_version,
        merchant_id=merchant_id,
        producer=producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=payload.model_dump(mode="json"),
    )


def envelope_of(
    payload: Payload,
    *,
    merchant_id: str,
    producer: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> dict[str, Any]:
    """`make_envelope(...).model_dump(mode="json")`, without building the Envelope model."""
    model = type(payload)
    return envelope_dict(
        model.event_type,
        payload.model_dump(mode="json"),
        merchant_id=merchant_id,
        producer=producer,
        schema_version=model.schema_version,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )


def parse_envelope(data: bytes | str | dict[str, Any]) -> tuple[Envelope, Payload]:
    """Validate an envelope and its payload against the registry."""
    envelope = Envelope.model_validate(data) if isinstance(data, dict) else Envelope.model_validate_json(data)
    return envelope, typed_payload(envelope)
