from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk_contracts import Role
from helpdesk_tickets.domain.compensation import InvalidAmount, check_amount, needs_approval
from helpdesk_tickets.domain.sla import ClockFlag, SlaState, apply_clock_event, summarize

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_worst_open_metric_sets_the_state_and_the_earliest_due_time_wins():
    clocks = apply_clock_event({}, "first_response", ClockFlag.AT_RISK, due_at=T0 + timedelta(hours=1), at=T0)
    assert clocks is not None
    clocks = apply_clock_event(clocks, "resolution", ClockFlag.BREACHED, due_at=T0 + timedelta(hours=5), at=T0)
    assert clocks is not None
    assert summarize(clocks) == (SlaState.BREACHED, T0 + timedelta(hours=1))
    clocks = apply_clock_event(clocks, "resolution", ClockFlag.MET, due_at=None, at=T0 + timedelta(minutes=1))
    assert clocks is not None
    assert summarize(clocks) == (SlaState.AT_RISK, T0 + timedelta(hours=1))


def test_an_event_older_than_what_is_known_for_its_metric_is_ignored():
    clocks = apply_clock_event({}, "first_response", ClockFlag.MET, due_at=None, at=T0 + timedelta(seconds=5))
    assert clocks is not None
    assert apply_clock_event(clocks, "first_response", ClockFlag.BREACHED, due_at=T0, at=T0) is None


flags = st.sampled_from(list(ClockFlag))
events = st.lists(
    st.tuples(st.sampled_from(["first_response", "resolution"]), flags, st.integers(0, 50)), min_size=1, max_size=10
)


@given(events, st.randoms())
def test_the_outcome_does_not_depend_on_delivery_order(batch, random):
    """With distinct event times per metric, any delivery order folds to the same flags."""
    seen, unique = set(), []
    for metric, flag, second in batch:
        if (metric, second) not in seen:
            seen.add((metric, second))
            unique.append((metric, flag, second))

    def fold(order):
        clocks: dict = {}
        for metric, flag, second in order:
            at = T0 + timedelta(seconds=second)
            clocks = apply_clock_event(clocks, metric, flag, due_at=at + timedelta(hours=1), at=at) or clocks
        return summarize(clocks)

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
