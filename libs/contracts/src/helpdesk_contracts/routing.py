"""Payloads of the events the routing service produces."""

from __future__ import annotations

import uuid

from helpdesk_contracts.envelope import Payload


class RoutingAssignmentDecided(Payload):
    event_type = "routing.assignment_decided"

    ticket_id: uuid.UUID
    agent_id: str
    group_id: str | None = None
    ticket_version: int
    strategy: str | None = None


class RoutingTicketQueued(Payload):
    event_type = "routing.ticket_queued"

    ticket_id: uuid.UUID
    ticket_version: int
    reason: str


EVENTS: tuple[type[Payload], ...] = (RoutingAssignmentDecided, RoutingTicketQueued)
