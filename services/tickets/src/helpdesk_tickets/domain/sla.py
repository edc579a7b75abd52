"""The ticket's SLA flags, folded from the SLA service's warning / breached / met events.

Per metric the newest event (by its `at`) wins, so a late, older event changes nothing. A met metric is
done. The ticket is `breached` while any open metric is breached, `at_risk` while any is warned, else
`on_track`; its next due time is the earliest due time of the open metrics.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"


class ClockFlag(StrEnum):
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"


Clocks = dict[str, dict[str, Any]]


def apply_clock_event(
    clocks: Clocks, metric: str, flag: ClockFlag, *, due_at: datetime | None, at: datetime
) -> Clocks | None:
    """The clocks after this event, or None when the event is older than what is already known."""
    known = clocks.get(metric)
    if known is not None and datetime.fromisoformat(known["at"]) >= at:
        return None
    due = due_at.isoformat() if due_at else (known or {}).get("due_at")
    return {**clocks, metric: {"state": flag.value, "due_at": due, "at": at.isoformat()}}


def summarize(clocks: Clocks) -> tuple[SlaState, datetime | None]:
    """The ticket-level SLA state and next due time."""
    open_clocks = [c for c in clocks.values() if c["state"] != ClockFlag.MET]
    states = {c["state"] for c in open_clocks}
    if ClockFlag.BREACHED in states:
        state = SlaState.BREACHED
    elif ClockFlag.AT_RISK in states:
        state = SlaState.AT_RISK
    else:
        state = SlaState.ON_TRACK
    dues = [datetime.fromisoformat(c["due_at"]) for c in open_clocks if c.get("due_at")]
    return state, min(dues) if dues else None
