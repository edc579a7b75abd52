"""One ticket's SLA: its clocks under their policies, moved by what happens to the ticket. Pure: `now` is passed in.

The service tells a TicketSla what happened (an agent replied at T, the ticket is now in status X, it is measured by
another policy, timers came due) and saves the result: the clocks marked `changed`, the timers `timers()` asks for,
and the `events` recorded on the way.

Ticket events may arrive in any order, so the service keeps every ticket fact and rebuilds the clocks with `replay`
in ticket_version order; what the timer worker already announced (warnings, breaches, escalations, met
notices) is carried over from the previous state and never announced twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from helpdesk_sla.domain.calendar import BusinessCalendar
from helpdesk_sla.domain.clock import Clock, ClockState, Metric
from helpdesk_sla.domain.policy import PlannedTimer, SlaPolicy, TimerKind, due_timers, plan_timers

NEW, RESOLVED, CLOSED = "new", "resolved", "closed"
_ENDED_STATUSES = frozenset({RESOLVED, CLOSED})


@dataclass
class TrackedClock:
    """A clock with what it is measured against: a policy version and a calendar version (None: 24/7)."""

    clock: Clock
    policy: SlaPolicy
    run: int = 1
    calendar_version: int | None = None
    changed: bool = False
    met_count: int = 0  # how many times this run was announced met (a reopened resolution is met again)

    @property
    def metric(self) -> Metric:
        return self.clock.metric


@dataclass(frozen=True)
class Placement:
    """The policy a ticket is measured by, and the calendar (with its version) that new clocks count in."""

    policy: SlaPolicy
    calendar: BusinessCalendar
    calendar_version: int | None = None


class SlaEventKind(StrEnum):
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    ESCALATION_REQUESTED = "escalation_requested"


@dataclass(frozen=True)
class SlaEvent:
    """Something about a clock that the rest of the platform should hear."""

    kind: SlaEventKind
    metric: Metric
    run: int
    policy_id: UUID
    policy_version: int
    priority: str
    at: datetime
    due_at: datetime | None
    business_seconds_used: float
    target_seconds: float
    within_target: bool | None = None
    level: int | None = None
    from_level: int | None = None
    breached_at: datetime | None = None


@dataclass(frozen=True)
class TicketFact:
    """What one ticket event said: the ticket's state at `version`, and who wrote if it was a public message.

    `placement` is the policy matching the ticket's attributes, resolved by the service when they differ from
    the previous fact's (or on the first fact); `replan` marks a manager's re-plan onto newer versions.
    """

    version: int
    at: datetime
    status: str
    attributes: tuple[str, UUID | None, tuple[str, ...]]
    author: str | None = None  # "agent" or "customer" for a public message
    escalation_level: int = 1
    placement: Placement | None = None
    replan: bool = False


@dataclass
class TicketSla:
    """The SLA side of one ticket: its status, escalation level, clocks, and whether an agent has replied."""

    status: str = NEW
    placement: Placement | None = None
    escalation_level: int = 1
    clocks: list[TrackedClock] = field(default_factory=list)
    agent_replied_at: datetime | None = None
    placed_at: datetime | None = None
    events: list[SlaEvent] = field(default_factory=list)

    @classmethod
    def replay(cls, created_at: datetime, facts: list[TicketFact], previous: TicketSla | None = None) -> TicketSla:
        """The ticket's SLA rebuilt from all its facts in version order, keeping what `previous` announced."""
        ordered = sorted(facts, key=lambda fact: (fact.version, fact.replan))
        first = ordered[0]
        ticket = cls.opened(first.placement, min(created_at, first.at))
        attributes = first.attributes
        for fact in ordered:
            ticket.escalated(fact.escalation_level)
            if fact.replan:
                if fact.placement is not None:
                    ticket.place(fact.placement, fact.at, replan=True)
                continue
            if fact.attributes != attributes and fact.placement is not None:
                ticket.place(fact.placement, fact.at)
            attributes = fact.attributes
            if fact.author == "agent":
                ticket.agent_replied(fact.at)
            elif fact.author == "customer":
                ticket.customer_wrote(fact.at)
            ticket.status_is(fact.status, fact.at)
        if previous is not None:
            ticket._carry_over(previous)
        for tracked in ticket.clocks:
            tracked.changed = True
        return ticket

    def _carry_over(self, previous: TicketSla) -> None:
        """Keep what was already announced: a breach unless the facts now show the clock was not counting at that
        instant (met or paused in time: the fact arrived after the timer fired), a warning unless a re-target came
        after it, the escalation level, and met notices (counted per run, since a reopened resolution is met
        again). A withdrawn breach takes its pending ladder steps with it; the clock may breach again later."""
        self.escalation_level = max(self.escalation_level, previous.escalation_level)
        before = {(tracked.metric, tracked.run): tracked for tracked in previous.clocks}
        for tracked in self.clocks:
            old = before.get((tracked.metric, tracked.run))
            if old is None:
                continue
            clock, breached_at = tracked.clock, old.clock.breached_at
            if clock.breached_at is None and breached_at is not None and clock.counting_at(breached_at):
                clock.breached_at = breached_at
            if old.clock.warned_at is not None and (self.placed_at is None or old.clock.warned_at >= self.placed_at):
                clock.warned_at = clock.warned_at or old.clock.warned_at
        announced = {key: old.met_count for key, old in before.items()}
        kept = []
        for event in self.events:
            key = (event.metric, event.run)
            if event.kind is SlaEventKind.MET and announced.get(key, 0) > 0:
                announced[key] -= 1
                continue
            kept.append(event)
        self.events = kept
        for tracked in self.clocks:
            old = before.get((tracked.metric, tracked.run))
            tracked.met_count = max(tracked.met_count, old.met_count if old else 0)

    @classmethod
    def opened(cls, placement: Placement | None, created_at: datetime) -> TicketSla:
        """A ticket seen for the first time: the clocks its policy targets start at its creation."""
        ticket = cls(placement=placement)
        ticket.start_missing_clocks(created_at)
        return ticket

    def current(self, metric: Metric) -> TrackedClock | None:
        """The latest run of `metric`, open or not."""
        runs = [tracked for tracked in self.clocks if tracked.metric is metric]
        return max(runs, key=lambda tracked: tracked.run) if runs else None

    def open_clocks(self) -> list[TrackedClock]:
        return [tracked for tracked in self.clocks if tracked.clock.is_open]

    def start_missing_clocks(self, at: datetime) -> None:
        """Start first-response and resolution clocks the policy targets and the ticket has not had yet."""
        if self.status in _ENDED_STATUSES:
            return
        if self.current(Metric.FIRST_RESPONSE) is None and self.agent_replied_at is None:
            self._start(Metric.FIRST_RESPONSE, at)
        if self.current(Metric.RESOLUTION) is None:
            self._start(Metric.RESOLUTION, at)

    def agent_replied(self, at: datetime) -> None:
        """A public reply by an agent or manager meets the first response and the running next response."""
        self.agent_replied_at = self.agent_replied_at or at
        for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE):
            tracked = self._open(metric)
            if tracked is not None:
                self._meet(tracked, at)

    def customer_wrote(self, at: datetime) -> None:
        """A public customer message after an agent's reply starts a next-response clock (unless one runs)."""
        if self.agent_replied_at is None or self.status == CLOSED or self._open(Metric.NEXT_RESPONSE) is not None:
            return
        self._start(Metric.NEXT_RESPONSE, at)

    def status_is(self, status: str, at: datetime) -> None:
        """Bring the clocks in line with the ticket's status: meet, stop, reopen, pause or resume them."""
        self.status = status
        if status == RESOLVED:
            # Resolving answers the customer too, so open response clocks are met along with the resolution.
            for tracked in self.open_clocks():
                self._meet(tracked, at)
            return
        if status == CLOSED:
            for tracked in self.open_clocks():
                tracked.changed |= tracked.clock.stop(max(at, tracked.clock.last_change))
            return
        resolution = self.current(Metric.RESOLUTION)
        if resolution is not None and resolution.clock.state is ClockState.MET:
            resolution.changed |= resolution.clock.reopen(max(at, resolution.clock.last_change))
        for tracked in self.open_clocks():
            self._follow_pause_statuses(tracked, at)

    def escalated(self, level: int) -> None:
        """Record a level reached (manually or by the ladder); the ladder never goes back below it."""
        self.escalation_level = max(self.escalation_level, level)

    def place(self, placement: Placement, at: datetime, *, replan: bool = False) -> None:
        """Measure the ticket by `placement` from now on, keeping each open clock's elapsed business time.

        Open clocks take the new policy's targets; a metric the policy no longer targets stops. A clock keeps
        its calendar version unless the policy counts in another calendar or this is a re-plan.
        """
        self.placement, self.placed_at = placement, at
        policy = placement.policy
        for tracked in self.open_clocks():
            clock = tracked.clock
            when = max(at, clock.last_change)
            target = policy.targets.get(tracked.metric)
            if target is None:
                tracked.changed |= clock.stop(when)
                continue
            if replan or policy.calendar_id != tracked.policy.calendar_id:
                clock.calendar, tracked.calendar_version = placement.calendar, placement.calendar_version
            clock.retarget(target, when)
            tracked.policy, tracked.changed = policy, True
            self._follow_pause_statuses(tracked, at)
        self.start_missing_clocks(at)

    def fire_due(self, now: datetime) -> list[SlaEvent]:
        """Apply every warning, breach and escalation step whose moment has come; returns the events recorded."""
        before = len(self.events)
        for tracked in self.open_clocks():
            clock = tracked.clock
            clock.escalated_level = self.escalation_level
            climb_to: int | None = None
            for timer in due_timers(clock, tracked.policy, now):
                if timer.kind is TimerKind.WARNING and clock.mark_warned(now):
                    self._record(SlaEventKind.WARNING, tracked, timer.fire_at, clock.due_at())
                elif timer.kind is TimerKind.BREACH and clock.mark_breached(now):
                    breached_at = clock.breached_at or now
                    self._record(SlaEventKind.BREACHED, tracked, breached_at, breached_at)
                elif timer.kind is TimerKind.ESCALATION and timer.level and clock.breached_at is not None:
                    climb_to = max(climb_to or 0, timer.level)
                    continue  # the level is the ticket's, not the clock's: the clock itself is unchanged
                else:
                    continue
                tracked.changed = True
            if climb_to is not None and climb_to > self.escalation_level:
                # Several steps due at once (the service was down): ask once, for the highest.
                self._record(
                    SlaEventKind.ESCALATION_REQUESTED,
                    tracked,
                    now,
                    clock.due_at(),
                    level=climb_to,
                    from_level=self.escalation_level,
                )
                self.escalation_level = climb_to
                clock.mark_escalated(climb_to)
        return self.events[before:]

    def timers(self, now: datetime) -> list[tuple[TrackedClock, PlannedTimer]]:
        """Every timer the open clocks need, earliest first; paused and ended clocks need none."""
        planned = []
        for tracked in self.open_clocks():
            tracked.clock.escalated_level = self.escalation_level
            planned += [(tracked, timer) for timer in plan_timers(tracked.clock, tracked.policy, now)]
        return sorted(planned, key=lambda pair: pair[1].fire_at)

    def _open(self, metric: Metric) -> TrackedClock | None:
        tracked = self.current(metric)
        return tracked if tracked is not None and tracked.clock.is_open else None

    def _start(self, metric: Metric, at: datetime) -> TrackedClock | None:
        if self.placement is None or metric not in self.placement.policy.targets:
            return None
        policy, previous = self.placement.policy, self.current(metric)
        clock = Clock.start(
            metric, policy.targets[metric], self.placement.calendar, at, paused=policy.pauses_on(self.status)
        )
        run = previous.run + 1 if previous is not None else 1
        tracked = TrackedClock(clock, policy, run, self.placement.calendar_version, changed=True)
        self.clocks.append(tracked)
        return tracked

    def _meet(self, tracked: TrackedClock, at: datetime) -> None:
        clock = tracked.clock
        due = clock.due_at()
        if not clock.meet_as_of(at):
            return
        tracked.changed = True
        tracked.met_count += 1
        met_at = clock.met_at or at
        self._record(SlaEventKind.MET, tracked, met_at, due, within_target=clock.met_within_target())

    def _follow_pause_statuses(self, tracked: TrackedClock, at: datetime) -> None:
        clock = tracked.clock
        when = max(at, clock.last_change)
        if tracked.policy.pauses_on(self.status):
            tracked.changed |= clock.pause(when)
        else:
            tracked.changed |= clock.resume(when)

    def _record(
        self,
        kind: SlaEventKind,
        tracked: TrackedClock,
        at: datetime,
        due_at: datetime | None,
        **extra: object,
    ) -> None:
        clock, policy = tracked.clock, tracked.policy
        self.events.append(
            SlaEvent(
                kind=kind,
                metric=clock.metric,
                run=tracked.run,
                policy_id=policy.id,
                policy_version=policy.version,
                priority=policy.priority,
                at=at,
                due_at=due_at,
                business_seconds_used=clock.elapsed_business_seconds(max(at, clock.started_at)),
                target_seconds=clock.target_seconds,
                breached_at=clock.breached_at,
                **extra,  # type: ignore[arg-type]
            )
        )
