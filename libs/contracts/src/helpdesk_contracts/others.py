"""Payloads of the events produced by routing and sla that other services consume."""

from __future__ import annotations

import uuid
from datetime import datetime

from helpdesk_contracts.enums import SlaMetric
from helpdesk_contracts.envelope import Payload


class RoutingAssignmentDecided(Payload):
    ticket_id: uuid.UUID
    agent_id: str
    group_id: str | None = None
    ticket_version: int
    strategy: str | None = None


class RoutingTicketQueued(Payload):
    ticket_id: uuid.UUID
    ticket_version: int
    reason: str


class SlaClockEvent(Payload):
    ticket_id: uuid.UUID
    metric: SlaMetric
    due_at: datetime | None = None
    at: datetime
    business_seconds_used: float
    policy_id: uuid.UUID | None = None
    policy_version: int | None = None
    ticket_version: int | None = None
    # Added within v1 (optional, so older readers and producers stay compatible):
    run: int | None = None
    target_seconds: float | None = None
    within_target: bool | None = None
    priority: str | None = None


class SlaWarning(SlaClockEvent):
    pass


class SlaBreached(SlaClockEvent):
    pass


class SlaMet(SlaClockEvent):
    pass


class SlaEscalationRequested(Payload):
    ticket_id: uuid.UUID
    level: int
    metric: SlaMetric
    breached_at: datetime | None = None
    policy_id: uuid.UUID | None = None
    policy_version: int | None = None
    # Added within v1 (optional):
    from_level: int | None = None
    ticket_version: int | None = None
