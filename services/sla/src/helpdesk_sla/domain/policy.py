"""SLA policies: which one applies to a ticket, and which timers a clock under it needs. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from helpdesk_sla.domain.clock import Clock, ClockState, Metric
from helpdesk_sla.domain.errors import PolicyError

ESCALATION_LEVELS = (2, 3)  # level 1 is the first line; the ladder only ever climbs from there
# No ladder step fires sooner than this after the breach: a reply or a pause that happened before the deadline but
# is still on its way through the broker when the breach timer fires then cancels the step instead of escalating.
ESCALATION_SETTLE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """Ask for escalation to `level` once `after_breach_seconds` wall-clock seconds have passed since the
    breach of `metric` (wall clock, not business time: a breach is urgent whatever the hours)."""

    level: int
    after_breach_seconds: float
    metric: Metric


@dataclass(frozen=True)
class SlaPolicy:
    """Targets (business seconds per metric) for tickets of one priority, optionally narrowed by category
    and tags. Warnings come either `warn_before_seconds` business seconds before the target or at
    `warn_at_percent` of it. `calendar_id` None means 24/7."""

    id: UUID
    version: int
    priority: str
    targets: Mapping[Metric, float]
    category_id: UUID | None = None
    tags: frozenset[str] = frozenset()
    position: int = 0
    warn_before_seconds: float | None = None
    warn_at_percent: float | None = None
    pause_statuses: tuple[str, ...] = ("waiting_customer",)
    escalation: tuple[EscalationStep, ...] = ()
    calendar_id: UUID | None = None

    def __post_init__(self) -> None:
        try:
            targets = {Metric(metric): seconds for metric, seconds in self.targets.items()}
        except (ValueError, AttributeError) as exc:
            raise PolicyError(f"targets must map metrics to seconds: {exc}") from exc
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "tags", frozenset(self.tags))
        object.__setattr__(self, "pause_statuses", tuple(self.pause_statuses))
        object.__setattr__(self, "escalation", tuple(self.escalation))
        validate_policy(self)

    def pauses_on(self, ticket_status: str) -> bool:
        """Whether clocks under this policy pause while the ticket has this status."""
        return ticket_status in self.pause_statuses


class TimerKind(StrEnum):
    WARNING = "warning"
    BREACH = "breach"
    ESCALATION = "escalation"


@dataclass(frozen=True, slots=True)
class PlannedTimer:
    """A moment at which the scheduler should wake the SLA service about a clock."""

    kind: TimerKind
    metric: Metric
    fire_at: datetime
    level: int | None = None


def validate_policy(policy: SlaPolicy) -> None:
    """Raise PolicyError unless the policy is well formed."""
    if isinstance(policy.version, bool) or not isinstance(policy.version, int) or policy.version < 1:
        raise PolicyError(f"version must be a positive integer, got {policy.version!r}")
    if not isinstance(policy.priority, str) or not policy.priority:
        raise PolicyError("a policy needs a priority")
    if not policy.targets:
        raise PolicyError("a policy needs at least one target")
    for metric, seconds in policy.targets.items():
        if not _is_number(seconds) or not seconds > 0:
            raise PolicyError(f"the {metric} target must be > 0 seconds, got {seconds!r}")
    if any(not isinstance(tag, str) or not tag for tag in policy.tags):
        raise PolicyError("tags must be non-empty strings")
    _validate_warning(policy)
    _validate_ladder(policy)


def _validate_warning(policy: SlaPolicy) -> None:
    before, percent = policy.warn_before_seconds, policy.warn_at_percent
    if before is not None and percent is not None:
        raise PolicyError("give warn_before_seconds or warn_at_percent, not both")
    if before is not None:
        if not _is_number(before) or before < 0:
            raise PolicyError(f"warn_before_seconds must be >= 0, got {before!r}")
        for metric, seconds in policy.targets.items():
            if before >= seconds:
                raise PolicyError(f"warn_before_seconds ({before}) must be below the {metric} target ({seconds})")
    if percent is not None and (not _is_number(percent) or not 0 < percent < 100):
        raise PolicyError(f"warn_at_percent must be strictly between 0 and 100, got {percent!r}")


def _validate_ladder(policy: SlaPolicy) -> None:
    # Each metric has its own ladder; steps are read in the order given.
    last: dict[Metric, EscalationStep] = {}
    for step in policy.escalation:
        if not isinstance(step, EscalationStep):
            raise PolicyError(f"escalation steps must be EscalationStep, got {step!r}")
        try:
            metric = Metric(step.metric)
        except ValueError as exc:
            raise PolicyError(f"unknown metric {step.metric!r} in the escalation ladder") from exc
        if metric not in policy.targets:
            raise PolicyError(f"the escalation ladder uses {metric}, which has no target")
        if step.level not in ESCALATION_LEVELS or isinstance(step.level, bool):
            raise PolicyError(f"escalation levels are {ESCALATION_LEVELS}, got {step.level!r}")
        if not _is_number(step.after_breach_seconds) or step.after_breach_seconds < 0:
            raise PolicyError(f"after_breach_seconds must be >= 0, got {step.after_breach_seconds!r}")
        previous = last.get(metric)
        if previous is not None and step.level <= previous.level:
            raise PolicyError(f"{metric} escalation levels must strictly increase: {previous.level} then {step.level}")
        if previous is not None and step.after_breach_seconds < previous.after_breach_seconds:
            raise PolicyError(
                f"{metric} escalation delays must not decrease: "
                f"{previous.after_breach_seconds} then {step.after_breach_seconds}"
            )
        last[metric] = step


def matches(policy: SlaPolicy, priority: str, category_id: UUID | None, tags: Iterable[str]) -> bool:
    """Whether the policy applies: same priority, its category if it names one, all its tags if any."""
    return (
        policy.priority == priority
        and (policy.category_id is None or policy.category_id == category_id)
        and policy.tags <= frozenset(tags)
    )


def choose_policy(
    policies: Iterable[SlaPolicy], *, priority: str, category_id: UUID | None = None, tags: Iterable[str] = ()
) -> SlaPolicy | None:
    """The most specific matching policy: a category beats any number of tags, then more tags win,
    then the lower position, then the lower id. None if nothing matches."""
    tags = frozenset(tags)
    candidates = [policy for policy in policies if matches(policy, priority, category_id, tags)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (p.category_id is None, -len(p.tags), p.position, str(p.id)))


def plan_timers(clock: Clock, policy: SlaPolicy, now: datetime) -> list[PlannedTimer]:
    """The timers a clock needs under a policy, earliest first; none unless the clock is running.

    Timers already in the past are kept (the scheduler fires them at once) except a warning that would
    come at or after the due instant, which would only repeat the breach. Warnings and breaches already
    recorded on the clock, and escalation levels already reached, are left out.
    """
    if clock.state is not ClockState.RUNNING:
        return []
    due = clock.due_at()
    if due is None:  # cannot happen for a running clock; kept for type narrowing
        return []
    timers: list[PlannedTimer] = []
    if clock.breached_at is None:
        warning = _warning_at(clock, policy)
        if warning is not None and clock.warned_at is None and warning < due and now < due:
            timers.append(PlannedTimer(TimerKind.WARNING, clock.metric, warning))
        timers.append(PlannedTimer(TimerKind.BREACH, clock.metric, due))
    breached = clock.breached_at or due
    for step in policy.escalation:
        if step.metric == clock.metric and step.level > clock.escalated_level:
            fire_at = breached + timedelta(seconds=max(step.after_breach_seconds, ESCALATION_SETTLE_SECONDS))
            timers.append(PlannedTimer(TimerKind.ESCALATION, clock.metric, fire_at, step.level))
    return sorted(timers, key=lambda timer: timer.fire_at)


def due_timers(clock: Clock, policy: SlaPolicy, now: datetime) -> list[PlannedTimer]:
    """The planned timers whose moment has come; re-checking on wake-up makes stale timers harmless."""
    return [timer for timer in plan_timers(clock, policy, now) if timer.fire_at <= now]


def _warning_at(clock: Clock, policy: SlaPolicy) -> datetime | None:
    if policy.warn_before_seconds is not None:
        return clock.warning_at(warn_before_seconds=policy.warn_before_seconds)
    if policy.warn_at_percent is not None:
        return clock.warning_at(warn_at_percent=policy.warn_at_percent)
    return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
