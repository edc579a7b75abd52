from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from helpdesk_contracts import Role
from helpdesk_tickets.domain.compensation import InvalidAmount, check_amount, needs_approval
from helpdesk_tickets.domain.sla import (
    ClockEvent,
    ClockFact,
    SlaState,
    apply_clock_event,
    escalation_still_due,
    summarize,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def event(metric, fact, at, *, run=1, due=None, within=None):
    return ClockEvent(metric, fact, T0 + timedelta(seconds=at), run, due, within)


def fold(events, clocks=None):
    clocks = dict(clocks or {})
    for e in events:
        clocks = apply_clock_event(clocks, e) or clocks
    return clocks


def test_the_worst_open_metric_sets_the_state_and_the_earliest_due_time_wins():
    first_due, resolution_due = T0 + timedelta(hours=1), T0 + timedelta(hours=5)
    clocks = fold(
        [
            event("first_response", ClockFact.WARNED, 0, due=first_due),
            event("resolution", ClockFact.BREACHED, 0, due=resolution_due),
        ]
    )
    assert summarize(clocks) == (SlaState.BREACHED, first_due)
    clocks = fold([event("resolution", ClockFact.MET, 60)], clocks)
    assert summarize(clocks) == (SlaState.AT_RISK, first_due)


def test_the_due_time_is_known_when_a_clock_starts_and_moves_on_pause_and_resume():
    due, later_due = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    clocks = fold([event("first_response", ClockFact.RUNNING, 0, due=due)])
    assert summarize(clocks) == (SlaState.ON_TRACK, due)
    paused = fold([event("first_response", ClockFact.PAUSED, 10)], clocks)
    assert summarize(paused) == (SlaState.ON_TRACK, None)
    resumed = fold([event("first_response", ClockFact.RUNNING, 20, due=later_due)], paused)
    assert summarize(resumed) == (SlaState.ON_TRACK, later_due)
    assert apply_clock_event(resumed, event("first_response", ClockFact.PAUSED, 10)) is None


def test_a_late_met_within_target_corrects_a_breach_and_cancels_its_escalation():
    due = T0 + timedelta(seconds=60)
    started = event("first_response", ClockFact.RUNNING, 0, due=due)
    breached = fold([started, event("first_response", ClockFact.BREACHED, 60)])
    assert summarize(breached) == (SlaState.BREACHED, due)
    assert escalation_still_due(breached, "first_response")
    met = fold([event("first_response", ClockFact.MET, 59, within=True)], breached)
    assert summarize(met) == (SlaState.ON_TRACK, None)
    assert not escalation_still_due(met, "first_response")
    assert apply_clock_event(met, event("first_response", ClockFact.BREACHED, 60)) is None


def test_a_met_after_the_target_closes_the_run_but_escalation_still_applies():
    due = T0 + timedelta(seconds=600)
    late = [event("first_response", ClockFact.BREACHED, 60), event("first_response", ClockFact.MET, 90)]
    still_running = fold([*late, event("resolution", ClockFact.RUNNING, 0, due=due)])
    assert summarize(still_running) == (SlaState.ON_TRACK, due)  # what is actionable now
    assert escalation_still_due(still_running, "first_response")


def test_a_ticket_whose_clocks_all_ended_stays_breached_if_a_target_was_missed():
    late = fold([event("resolution", ClockFact.BREACHED, 60), event("resolution", ClockFact.MET, 90, within=False)])
    assert summarize(late) == (SlaState.BREACHED, None)
    in_time = fold([event("resolution", ClockFact.WARNED, 50), event("resolution", ClockFact.MET, 55, within=True)])
    assert summarize(in_time) == (SlaState.ON_TRACK, None)


def test_a_new_run_replaces_the_last_and_an_older_run_is_stale():
    first = fold([event("next_response", ClockFact.BREACHED, 0, run=1)])
    second = fold([event("next_response", ClockFact.RUNNING, 100, run=2, due=T0 + timedelta(hours=3))], first)
    assert summarize(second) == (SlaState.ON_TRACK, T0 + timedelta(hours=3))
    assert apply_clock_event(second, event("next_response", ClockFact.BREACHED, 200, run=1)) is None


def test_clocks_stored_before_runs_were_tracked_still_read():
    legacy = {"first_response": {"state": "breached", "due_at": T0.isoformat(), "at": T0.isoformat()}}
    assert summarize(legacy) == (SlaState.BREACHED, T0)
    met = fold([event("first_response", ClockFact.MET, 5, within=True)], legacy)
    assert summarize(met) == (SlaState.ON_TRACK, None)


facts = st.sampled_from(list(ClockFact))
events = st.lists(
    st.tuples(
        st.sampled_from(["first_response", "resolution"]),
        facts,
        st.integers(0, 50),
        st.integers(1, 3),
        st.sampled_from([None, True, False]),
    ),
    min_size=1,
    max_size=12,
)


@given(events, st.randoms())
def test_the_outcome_does_not_depend_on_delivery_order(batch, random):
    """With distinct event times per metric, any delivery order folds to the same clocks."""
    seen, unique = set(), []
    for metric, fact, second, run, within in batch:
        if (metric, second) not in seen:
            seen.add((metric, second))
            due = T0 + timedelta(seconds=second, hours=1)
            unique.append(event(metric, fact, second, run=run, due=due, within=within))
    shuffled = list(unique)
    random.shuffle(shuffled)
    assert fold(unique) == fold(shuffled)


@pytest.mark.parametrize(
    "amount, currency, expected",
    [("10", "EUR", "10.00"), ("10.5", "USD", "10.50"), ("1000", "JPY", "1000"), ("1.234", "KWD", "1.234")],
)
def test_amounts_take_the_currencys_precision(amount, currency, expected):
    assert str(check_amount(Decimal(amount), currency)) == expected


@pytest.mark.parametrize(
    "amount, currency, field",
    [("0", "EUR", "amount"), ("-1", "EUR", "amount"), ("1.001", "EUR", "amount"), ("1.5", "JPY", "amount"),
     ("1", "ABC", "currency"), ("NaN", "EUR", "amount"), ("Infinity", "EUR", "amount"), ("1e12", "EUR", "amount")],
)  # fmt: skip
def test_unpayable_amounts_are_refused(amount, currency, field):
    with pytest.raises(InvalidAmount) as refused:
        check_amount(Decimal(amount), currency)
    assert refused.value.field == field


def test_only_an_agents_compensation_above_the_threshold_waits_for_approval():
    assert needs_approval(Decimal("50.01"), Decimal("50"), Role.AGENT)
    assert not needs_approval(Decimal("50.00"), Decimal("50"), Role.AGENT)
    assert not needs_approval(Decimal("5000"), Decimal("50"), Role.MANAGER)
    assert not needs_approval(Decimal("5000"), None, Role.AGENT)
