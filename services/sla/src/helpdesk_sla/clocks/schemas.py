"""HTTP schemas of a ticket's SLA view."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class SegmentRead(BaseModel):
    """A running (counted) or paused (not counted) stretch, with the business seconds it spans."""

    kind: str
    start: datetime
    end: datetime | None
    business_seconds: float


class ClockRead(BaseModel):
    metric: str
    run: int
    state: str  # running | paused | breached (still open) | met | stopped
    policy_id: uuid.UUID
    policy_version: int
    priority: str
    calendar_id: uuid.UUID | None
    calendar_version: int | None
    target_seconds: float
    started_at: datetime
    due_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    met_at: datetime | None
    ended_at: datetime | None
    within_target: bool | None
    elapsed_business_seconds: float
    remaining_business_seconds: float
    segments: list[SegmentRead]


class TimerRead(BaseModel):
    kind: str
    metric: str
    level: int | None
    fire_at: datetime


class TicketSlaRead(BaseModel):
    ticket_id: uuid.UUID
    ticket_version: int
    status: str
    priority: str
    escalation_level: int
    policy_id: uuid.UUID | None
    policy_version: int | None
    clocks: list[ClockRead]
    timers: list[TimerRead]
