"""The wire between helpdesk services: envelope, payloads, routing keys, enums."""

from helpdesk_contracts.enums import (
    CompensationType,
    EscalationReason,
    Priority,
    Role,
    SlaMetric,
    TicketStatus,
    Visibility,
)
from helpdesk_contracts.envelope import Envelope, Payload
from helpdesk_contracts.others import (
    RoutingAssignmentDecided,
    RoutingTicketQueued,
    SlaBreached,
    SlaEscalationRequested,
    SlaMet,
    SlaWarning,
)
from helpdesk_contracts.registry import (
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    REGISTRY,
    EventType,
    UnknownEvent,
    make_envelope,
    parse_envelope,
    payload_model,
)
from helpdesk_contracts.tickets import (
    TicketAssigned,
    TicketCompensationIssued,
    TicketCreated,
    TicketEscalated,
    TicketMessageAdded,
    TicketSnapshot,
    TicketStatusChanged,
    TicketUpdated,
)

__all__ = [
    "DEAD_LETTER_EXCHANGE",
    "EVENTS_EXCHANGE",
    "REGISTRY",
    "CompensationType",
    "Envelope",
    "EscalationReason",
    "EventType",
    "Payload",
    "Priority",
    "Role",
    "RoutingAssignmentDecided",
    "RoutingTicketQueued",
    "SlaBreached",
    "SlaEscalationRequested",
    "SlaMet",
    "SlaMetric",
    "SlaWarning",
    "TicketAssigned",
    "TicketCompensationIssued",
    "TicketCreated",
    "TicketEscalated",
    "TicketMessageAdded",
    "TicketSnapshot",
    "TicketStatus",
    "TicketStatusChanged",
    "TicketUpdated",
    "UnknownEvent",
    "Visibility",
    "make_envelope",
    "parse_envelope",
    "payload_model",
]
