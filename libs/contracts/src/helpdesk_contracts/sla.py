"""Payloads of the events the SLA service produces."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from helpdesk_contracts.enums import SlaMetric
from helpdesk_contracts.envelope import Payload


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
    event_type = "sla.warning"


class SlaBreached(SlaClockEvent):
    event_type = "sla.breached"


class SlaMet(SlaClockEvent):
    event_type = "sla.met"


class SlaEscalationRequested(Payload):
    event_type = "sla.escalation_requested"

    ticket_id: uuid.UUID
    level: int
    metric: SlaMetric
    breached_at: datetime | None = None
    policy_id: uuid.UUID | None = None
    policy_version: int | None = None
    # Added within v1 (optional):
    from_level: int | None = None
    ticket_version: int | None = None


class SlaClockChanged(Payload):
    """A clock started, paused, resumed, was re-targeted or re-planned: its state and due time now.

    Lets tickets sort by SLA due from the first minute; `ticket_version` is the last ticket fact applied.
    """

    event_type = "sla.clock_changed"

    ticket_id: uuid.UUID
    metric: SlaMetric
    run: int
    state: Literal["running", "paused", "met", "breached", "stopped"]
    due_at: datetime | None = None
    policy_id: uuid.UUID | None = None
    policy_version: int | None = None
    ticket_version: int | None = None
    at: datetime


EVENTS: tuple[type[Payload], ...] = (SlaWarning, SlaBreached, SlaMet, SlaEscalationRequested, SlaClockChanged)
