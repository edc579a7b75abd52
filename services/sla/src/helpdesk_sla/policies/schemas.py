"""HTTP schemas of calendars and policies: Write (create and replace) / Read per resource."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from helpdesk_contracts import Priority, SlaMetric

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Statuses a clock may pause in; resolved and closed end clocks instead.
PauseStatus = Literal["new", "assigned", "in_progress", "waiting_customer", "waiting_third_party", "reopened"]
TEN_YEARS = 10 * 365 * 86_400


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _default_pause_statuses() -> list[PauseStatus]:
    return ["waiting_customer"]


Seconds = Annotated[float, Field(gt=0, le=TEN_YEARS), AfterValidator(_finite)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenHours(Strict):
    """Open from `start` to `end` local time on `day`; an end at or before the start runs past midnight."""

    day: Weekday
    start: time
    end: time


class Holiday(Strict):
    """A closed day, or only the window `start`-`end` of it (an end of 00:00 means midnight)."""

    date: date
    start: time | None = None
    end: time | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None

    @model_validator(mode="after")
    def _window_is_whole(self) -> Self:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end for a partial-day holiday, or neither")
        return self


class CalendarWrite(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Berlin office",
                    "time_zone": "Europe/Berlin",
                    "weekly_hours": [{"day": "monday", "start": "09:00:00", "end": "17:00:00"}],
                }
            ]
        },
    )
    name: Name
    time_zone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    always_open: bool = False
    weekly_hours: list[OpenHours] = Field(default_factory=list, max_length=100)
    holidays: list[Holiday] = Field(default_factory=list, max_length=2000)


class CalendarRead(BaseModel):
    id: uuid.UUID
    version: int
    name: str
    time_zone: str
    always_open: bool
    weekly_hours: list[OpenHours]
    holidays: list[Holiday]
    created_at: datetime
    updated_at: datetime


class EscalationStepWrite(Strict):
    """Ask for `level` once `after_breach_seconds` (wall clock) have passed since `metric` breached."""

    level: Annotated[int, Field(ge=2, le=3)]
    after_breach_seconds: Annotated[float, Field(ge=0, le=TEN_YEARS), AfterValidator(_finite)] = 0
    metric: SlaMetric = SlaMetric.RESOLUTION


class PolicyWrite(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Urgent", "priority": "urgent", "first_response_seconds": 3600, "resolution_seconds": 86400}
            ]
        },
    )
    name: Name
    priority: Priority
    category_id: uuid.UUID | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    position: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    first_response_seconds: Seconds | None = None
    next_response_seconds: Seconds | None = None
    resolution_seconds: Seconds | None = None
    warn_before_seconds: Annotated[float, Field(ge=0, le=TEN_YEARS), AfterValidator(_finite)] | None = None
    warn_at_percent: Annotated[float, Field(gt=0, lt=100)] | None = None
    pause_statuses: list[PauseStatus] = Field(default_factory=_default_pause_statuses, max_length=6)
    calendar_id: uuid.UUID | None = Field(default=None, description="business-hours calendar; none means 24/7")
    escalation: list[EscalationStepWrite] = Field(default_factory=list, max_length=10)


class PolicyRead(BaseModel):
    id: uuid.UUID
    version: int
    active: bool
    name: str
    priority: Priority
    category_id: uuid.UUID | None
    tags: list[str]
    position: int
    first_response_seconds: float | None
    next_response_seconds: float | None
    resolution_seconds: float | None
    warn_before_seconds: float | None
    warn_at_percent: float | None
    pause_statuses: list[str]
    calendar_id: uuid.UUID | None
    escalation: list[EscalationStepWrite]
    created_at: datetime
    version_created_at: datetime


class ReplanResult(BaseModel):
    """How many tickets with running clocks moved to the latest versions."""

    replanned_tickets: int
