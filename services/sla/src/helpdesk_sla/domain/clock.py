"""The per-ticket SLA clock: business time spent against one metric's target. Pure: `now` is passed in.

A clock's life is a list of segments, alternately running and paused; only running segments count, and
they count business time under the clock's calendar. `state` is the lifecycle (running, paused, met,
stopped); met and stopped end a run. A breach is a fact recorded in `breached_at`, not a state: a breached
clock keeps counting until it is met or stopped, and `status` reports it as BREACHED while it is open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from helpdesk_sla.domain.calendar import BusinessCalendar, add_business_seconds, business_seconds_between
from helpdesk_sla.domain.errors import ClockError


class Metric(StrEnum):
    """What a clock measures; the values match helpdesk_contracts' SlaMetric on the wire."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"  # only ever reported by Clock.status, never stored in Clock.state
    STOPPED = "stopped"


class SegmentKind(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the clock's life; `end` is None for the current one."""

    kind: SegmentKind
    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SegmentKind(self.kind))


_OPEN = (ClockState.RUNNING, ClockState.PAUSED)


@dataclass
class Clock:
    """One metric's clock on one ticket; transitions return True when they changed something."""

    metric: Metric
    target_seconds: float
    calendar: BusinessCalendar
    started_at: datetime
    segments: list[Segment] = field(default_factory=list)
    state: ClockState = ClockState.RUNNING
    breached_at: datetime | None = None
    met_at: datetime | None = None
    warned_at: datetime | None = None
    escalated_level: int = 1
    # Deadlines and elapsed time asked for more than once between changes (planning, firing, saving) are
    # computed once; the key holds the segments, so any change misses.
    _reached: dict[tuple[Any, ...], datetime | float | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Rows loaded from storage carry plain strings; identity checks below need the enum members.
        self.metric, self.state = Metric(self.metric), ClockState(self.state)
        if self.state is ClockState.BREACHED:
            raise ClockError("BREACHED is reported by Clock.status; store the breach in breached_at")
        _check_target(self.target_seconds)
        _require_aware(self.started_at)

    @classmethod
    def start(
        cls,
        metric: Metric,
        target_seconds: float,
        calendar: BusinessCalendar,
        now: datetime,
        *,
        paused: bool = False,
    ) -> Clock:
        """A new clock started at `now`, paused from the outset if the ticket is in a pausing status."""
        _require_aware(now)
        kind, state = (SegmentKind.PAUSED, ClockState.PAUSED) if paused else (SegmentKind.RUNNING, ClockState.RUNNING)
        return cls(
            metric=Metric(metric),
            target_seconds=target_seconds,
            calendar=calendar,
            started_at=now,
            segments=[Segment(kind, now)],
            state=state,
        )

    @property
    def status(self) -> ClockState:
        """The state as people see it: BREACHED while a breached clock is still open."""
        if self.state in _OPEN and self.breached_at is not None:
            return ClockState.BREACHED
        return self.state

    @property
    def is_open(self) -> bool:
        return self.state in _OPEN

    @property
    def last_change(self) -> datetime:
        """The latest instant recorded on the clock; transitions may not go back before it."""
        last = self.segments[-1] if self.segments else None
        return self.started_at if last is None else (last.end or last.start)

    def pause(self, now: datetime) -> bool:
        """Stop counting business time until resume; a no-op on a paused clock."""
        if self.state is ClockState.PAUSED:
            return False
        self._require_open("pause")
        self._switch(SegmentKind.PAUSED, ClockState.PAUSED, now)
        return True

    def resume(self, now: datetime) -> bool:
        """Count business time again; a no-op on a running clock."""
        if self.state is ClockState.RUNNING:
            return False
        self._require_open("resume")
        self._switch(SegmentKind.RUNNING, ClockState.RUNNING, now)
        return True

    def meet(self, now: datetime) -> bool:
        """The metric was achieved at `now` (late or not); terminal for this run."""
        if self.state is ClockState.MET:
            return False
        self._require_open("meet")
        self._close(now)
        self.state, self.met_at = ClockState.MET, now
        return True

    def meet_as_of(self, moment: datetime) -> bool:
        """Meet an open clock at `moment`, even before changes already recorded (a late-arriving event).

        What was recorded after `moment` no longer matters once the metric was achieved, so those segments are
        cut off. False if the clock is not open or `moment` precedes its start (the fact is not about this run).
        """
        _require_aware(moment)
        if not self.is_open or moment < self.started_at:
            return False
        if moment >= self.last_change:
            return self.meet(moment)
        kept = [segment for segment in self.segments if segment.start < moment] or self.segments[:1]
        last = kept[-1]
        if last.end is None or last.end > moment:
            kept[-1] = replace(last, end=moment)
        self.segments = kept
        self.state, self.met_at = ClockState.MET, moment
        return True

    def stop(self, now: datetime) -> bool:
        """The clock no longer applies (e.g. the ticket was closed unanswered); terminal."""
        if self.state is ClockState.STOPPED:
            return False
        self._require_open("stop")
        self._close(now)
        self.state = ClockState.STOPPED
        return True

    def reopen(self, now: datetime) -> bool:
        """Resume a met resolution clock when its ticket reopens, keeping the business time already spent.

        Only resolution clocks reopen: first and next responses start fresh clocks instead. The breach
        record survives, since a breach that was announced stays announced.
        """
        if self.metric is not Metric.RESOLUTION:
            raise ClockError(f"only a resolution clock can reopen, not a {self.metric} clock")
        if self.state in _OPEN:
            return False
        if self.state is not ClockState.MET:
            raise ClockError(f"cannot reopen a {self.state} clock")
        self._require_after_last_change(now)
        self.segments.append(Segment(SegmentKind.RUNNING, now))
        self.state, self.met_at = ClockState.RUNNING, None
        return True

    def retarget(self, new_target_seconds: float, now: datetime) -> bool:
        """Change the target (e.g. after a priority change), keeping the business time already spent.

        An unbreached clock forgets its warning, since the new deadline deserves its own. Whether the new
        target is already exceeded is for the caller to check with `is_overdue(now)`.
        """
        _check_target(new_target_seconds)
        self._require_open("retarget")
        self._require_after_last_change(now)
        if new_target_seconds == self.target_seconds:
            return False
        self.target_seconds = new_target_seconds
        if self.breached_at is None:
            self.warned_at = None
        return True

    def mark_warned(self, now: datetime) -> bool:
        """Record that the warning went out; False if it already had or the clock has ended."""
        _require_aware(now)
        if self.warned_at is not None or not self.is_open:
            return False
        self.warned_at = now
        return True

    def mark_breached(self, now: datetime) -> bool:
        """Record the breach if the target is exceeded at `now`; False for stale or repeated calls.

        `breached_at` is the instant the target was exceeded, which may precede a late-firing timer.
        """
        if self.breached_at is not None or not self.is_open or not self.is_overdue(now):
            return False
        self.breached_at = self.due_at() or now
        return True

    def mark_escalated(self, level: int) -> bool:
        """Record that escalation to `level` was requested; False if that level was already reached."""
        if level <= self.escalated_level:
            return False
        self.escalated_level = level
        return True

    def elapsed_business_seconds(self, now: datetime) -> float:
        """Business seconds counted so far; an open running segment counts up to `now`."""
        _require_aware(now)
        key = ("elapsed", now, self.calendar, *self.segments)
        found = self._reached.get(key)
        if found is None:
            if len(self._reached) > 8:
                self._reached.clear()
            found = self._reached[key] = self._elapsed(now)
        return found  # type: ignore[return-value]

    def _elapsed(self, now: datetime) -> float:
        return sum(
            business_seconds_between(self.calendar, segment.start, segment.end or now)
            for segment in self.segments
            if segment.kind is SegmentKind.RUNNING
        )

    def counting_at(self, instant: datetime) -> bool:
        """Whether the clock was running (counting time, not paused, met or stopped) at `instant`."""
        return any(
            segment.kind is SegmentKind.RUNNING
            and segment.start <= instant
            and (segment.end is None or instant < segment.end)
            for segment in self.segments
        )

    def remaining_business_seconds(self, now: datetime) -> float:
        """Business seconds left before the target; negative once it is exceeded."""
        return self.target_seconds - self.elapsed_business_seconds(now)

    def is_overdue(self, now: datetime) -> bool:
        return self.elapsed_business_seconds(now) >= self.target_seconds

    def met_within_target(self) -> bool | None:
        """Whether a met clock was met in time; None if it is not met."""
        if self.met_at is None:
            return None
        return self.elapsed_business_seconds(self.met_at) <= self.target_seconds

    def due_at(self) -> datetime | None:
        """When the target is (or was) reached.

        Derived from the segments alone, so it does not drift with `now`. None while paused short of the
        target, and for a clock that ended short of it.
        """
        return self._reached_at(self.target_seconds)

    def warning_at(
        self, *, warn_before_seconds: float | None = None, warn_at_percent: float | None = None
    ) -> datetime | None:
        """When the warning is due: `warn_before_seconds` business seconds before the target, or when
        `warn_at_percent` of the target has been spent. None when it cannot be known (see due_at)."""
        if (warn_before_seconds is None) == (warn_at_percent is None):
            raise ClockError("give exactly one of warn_before_seconds and warn_at_percent")
        if warn_before_seconds is not None:
            threshold = self.target_seconds - warn_before_seconds
        else:
            threshold = self.target_seconds * warn_at_percent / 100  # type: ignore[operator]
        return self._reached_at(max(threshold, 0.0))

    def _reached_at(self, threshold: float) -> datetime | None:
        key = (threshold, self.calendar, *self.segments)
        if key in self._reached:
            return self._reached[key]  # type: ignore[return-value]
        if len(self._reached) > 8:
            self._reached.clear()
        reached = self._reached[key] = self._compute_reached_at(threshold)
        return reached

    def _compute_reached_at(self, threshold: float) -> datetime | None:
        spent = 0.0
        for segment in self.segments:
            if segment.kind is not SegmentKind.RUNNING:
                continue
            needed = max(threshold - spent, 0.0)
            if segment.end is None:
                return add_business_seconds(self.calendar, segment.start, needed)
            available = business_seconds_between(self.calendar, segment.start, segment.end)
            if needed <= available:
                return add_business_seconds(self.calendar, segment.start, needed)
            spent += available
        return None

    def _switch(self, kind: SegmentKind, state: ClockState, now: datetime) -> None:
        self._close(now)
        self.segments.append(Segment(kind, now))
        self.state = state

    def _close(self, now: datetime) -> None:
        self._require_after_last_change(now)
        if self.segments and self.segments[-1].end is None:
            self.segments[-1] = replace(self.segments[-1], end=now)

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise ClockError(f"cannot {action} a {self.state} {self.metric} clock")

    def _require_after_last_change(self, now: datetime) -> None:
        _require_aware(now)
        latest = self.last_change
        if now < latest:
            raise ClockError(f"{now.isoformat()} is before the clock's last change at {latest.isoformat()}")


def _check_target(target_seconds: float) -> None:
    if isinstance(target_seconds, bool) or not (math.isfinite(target_seconds) and target_seconds > 0):
        raise ClockError(f"a target must be a positive number of seconds, got {target_seconds!r}")


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ClockError(f"expected a timezone-aware datetime, got {instant!r}")
