"""Who consumes what: the one declaration every service's queues and bindings come from.

Each consuming service has one durable quorum queue per event type it consumes (`<service>.<event_type>`),
bound to `helpdesk.events` with the event type as routing key. `make up`, each service's migration step and the
Kubernetes migration Job declare all of them before any service takes traffic, so an event published before its
consumer first starts waits in that consumer's queue instead of being unrouted. A test holds every service's
subscribers equal to its line here.
"""

from __future__ import annotations

from helpdesk_contracts.registry import REGISTRY

CONSUMES: dict[str, tuple[str, ...]] = {
    "tickets": (
        "routing.assignment_decided",
        "routing.ticket_queued",
        "routing.unassigned",
        "agent.upserted",
        "sla.escalation_requested",
        "sla.warning",
        "sla.breached",
        "sla.met",
        "sla.clock_changed",
    ),
    "sla": (
        "ticket.created",
        "ticket.updated",
        "ticket.status_changed",
        "ticket.message_added",
        "ticket.escalated",
    ),
    "routing": (
        "ticket.created",
        "ticket.updated",
        "ticket.status_changed",
        "ticket.assigned",
        "ticket.escalated",
        "ticket.message_added",
        "sla.breached",
        "survey.responded",
    ),
    "knowledge": ("ticket.created",),
    "feedback": (
        "ticket.created",
        "ticket.updated",
        "ticket.status_changed",
        "ticket.assigned",
    ),
    "notify": (
        "ticket.created",
        "ticket.updated",
        "ticket.status_changed",
        "ticket.assigned",
        "ticket.message_added",
        "ticket.escalated",
        "ticket.compensation_issued",
        "sla.warning",
        "sla.breached",
        "routing.ticket_queued",
        "agent.upserted",
        "agent.status_changed",
        "survey.invited",
        "feature_request.status_changed",
    ),
}


def consumers_of(event_type: str) -> list[str]:
    """The services that consume `event_type`."""
    return [service for service, consumed in CONSUMES.items() if event_type in consumed]


def unknown_event_types() -> list[str]:
    """Event types named here that no contract registers (a typo would silently bind nothing)."""
    known = {event_type for event_type, _ in REGISTRY}
    return sorted({e for consumed in CONSUMES.values() for e in consumed} - known)
