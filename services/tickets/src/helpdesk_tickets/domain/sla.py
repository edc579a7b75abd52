"""The ticket's view of its SLA clocks, reconciled from the SLA service's events. Pure: no I/O, no clock.

Per metric the ticket keeps the latest run it has heard of and, for that run, everything the events said,
merged so that delivery order does not matter (events of one ticket arrive concurrently and out of order):

- a fact about a higher run replaces what is known of the metric; a fact about a lower run is stale;
- running / paused and the due time follow the newest `sla.clock_changed` (by its `at`), so `sla_due_at` is
  known from the minute a clock starts and moves when it pauses and resumes;
- `warned` and `breached` are sticky within a run; `met` or `stopped` end the run, and nothing later reopens it;
- a `met` with `within_target: true` clears the run's breach: the breach timer can fire just before the SLA
  service applies a reply that came in time, so `sla.breached` and then `sla.met` (with an earlier `at`) arrive.

The ticket is `breached` while any open run is breached, `at_risk` while any is warned, else `on_track`; once no
run is open, it stays `breached` if a target was missed. Its `sla_due_at` is the earliest due time of the open runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"


class ClockFact(StrEnum):
    """What one SLA event says about one run of one metric's clock."""

    RUNNING = "running"
    PAUSED = "paused"
    WARNED = "warned"
    BREACHED = "breached"
    MET = "met"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ClockEvent:
    metric: str
    fact: ClockFact
    at: datetime
    run: int | None = None
    due_at: datetime | None = None
    within_target: bool | None = None


@dataclass(frozen=True)
class RunView:
    """What is known of one run of one metric's clock (stored as JSON on the ticket, instants as ISO strings)."""

    run: int
    state: str | None = None  # running | paused, from the newest clock change
    state_at: str | None = None
    due_at: str | None = None
    due_from: str | None = None  # the `at` of the event the due time came from
    warned: bool = False
    breached: bool = False
    ended: str | None = None  # met | stopped
    within_target: bool | None = None

    @property
    def is_open(self) -> bool:
        return self.ended is None

    @property
    def counts_as_breached(self) -> bool:
        return self.breached and self.within_target is not True

    @classmethod
    def load(cls, raw: dict[str, Any]) -> RunView:
        if "run" not in raw:  # written before runs were tracked: {"state": at_risk | breached | met, ...}
            state = raw.get("state")
            return cls(
                run=1,
                due_at=raw.get("due_at"),
                due_from=raw.get("at"),
                warned=state == "at_risk",
                breached=state == "breached",
                ended="met" if state == "met" else None,
            )
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


Clocks = dict[str, dict[str, Any]]


def _later(at: str, than: str | None) -> bool:
    return than is None or datetime.fromisoformat(at) > datetime.fromisoformat(than)


def _merge(view: RunView, event: ClockEvent) -> RunView:
    at = event.at.isoformat()
    fact = event.fact
    if fact in (ClockFact.RUNNING, ClockFact.PAUSED):
        # Last writer wins by `at`; on a tie the order of the values decides, so arrival order never does.
        if _later(at, view.state_at) or (at == view.state_at and fact.value > (view.state or "")):
            view = replace(view, state=fact.value, state_at=at)
        if _later(at, view.due_from) or at == view.due_from:
            view = replace(view, due_at=event.due_at.isoformat() if event.due_at else None, due_from=at)
        return view
    if event.due_at is not None and fact in (ClockFact.WARNED, ClockFact.BREACHED) and _later(at, view.due_from):
        view = replace(view, due_at=event.due_at.isoformat(), due_from=at)
    if fact is ClockFact.WARNED:
        return replace(view, warned=True)
    if fact is ClockFact.BREACHED:
        return replace(view, breached=True)
    if fact is ClockFact.STOPPED:
        return view if view.ended else replace(view, ended="stopped")
    # MET: beats `stopped`; a known `within_target` is kept, `true` winning over `false`.
    answers = (view.within_target, event.within_target)
    within = True if True in answers else (False if False in answers else None)
    return replace(view, ended="met", within_target=within)


def apply_clock_event(clocks: Clocks, event: ClockEvent) -> Clocks | None:
    """The clocks after this event, or None when it changes nothing (stale, or already known)."""
    raw = clocks.get(event.metric)
    known = RunView.load(raw) if raw is not None else None
    run = event.run if event.run is not None else (known.run if known else 1)
    if known is not None and run < known.run:
        return None
    base = known if known is not None and known.run == run else RunView(run=run)
    merged = _merge(base, event)
    if merged == known:
        return None
    return {**clocks, event.metric: asdict(merged)}


def run_view(clocks: Clocks, metric: str) -> RunView | None:
    raw = clocks.get(metric)
    return RunView.load(raw) if raw is not None else None


def summarize(clocks: Clocks) -> tuple[SlaState, datetime | None]:
    """The ticket-level SLA state and next due time.

    While clocks run, the state is what is actionable now (an open run breached or warned). Once none runs (the
    ticket resolved or closed), a target that was missed keeps the ticket `breached`: a late resolution does not
    turn a breach into `on_track` in the ticket's history and reports.
    """
    views = [RunView.load(raw) for raw in clocks.values()]
    open_runs = [view for view in views if view.is_open]
    if not open_runs and any(view.counts_as_breached for view in views):
        return SlaState.BREACHED, None
    if any(view.counts_as_breached for view in open_runs):
        state = SlaState.BREACHED
    elif any(view.warned for view in open_runs):
        state = SlaState.AT_RISK
    else:
        state = SlaState.ON_TRACK
    dues = [datetime.fromisoformat(view.due_at) for view in open_runs if view.due_at]
    return state, min(dues) if dues else None


def escalation_still_due(clocks: Clocks, metric: str) -> bool:
    """An SLA escalation for `metric` applies unless its latest run turned out met within target: the breach it
    answers was a race with the reply that met the clock in time (a level already raised stays raised)."""
    view = run_view(clocks, metric)
    return view is None or not (view.ended == "met" and view.within_target is True)
