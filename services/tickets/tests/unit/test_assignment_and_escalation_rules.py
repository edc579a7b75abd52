from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from helpdesk_contracts import Role
from helpdesk_tickets.domain.assignment import (
    AssignmentNotAllowed,
    RoutingDecision,
    check_manual_assignment,
    check_manual_unassignment,
    routing_decision_applies,
)
from helpdesk_tickets.domain.escalation import EscalationRefused, check_manual_escalation, sla_escalation_target

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_agents_assign_only_themselves_and_managers_anyone():
    check_manual_assignment(Role.AGENT, "a1", "a1")
    check_manual_assignment(Role.MANAGER, "m1", "a2")
    with pytest.raises(AssignmentNotAllowed):
        check_manual_assignment(Role.AGENT, "a1", "a2")
    with pytest.raises(AssignmentNotAllowed):
        check_manual_assignment(Role.CUSTOMER, "c1", "c1")
    with pytest.raises(AssignmentNotAllowed):
        check_manual_unassignment(Role.AGENT, "a1", "a2")
    check_manual_unassignment(Role.AGENT, "a1", "a1")


def test_a_routing_decision_on_a_version_before_a_manual_assignment_does_not_apply():
    decision = RoutingDecision("a9", ticket_version=1, decided_at=T0)
    assert not routing_decision_applies(
        decision, manual_assignment_version=3, last_routing_version=0, last_routing_decided_at=None
    )
    assert routing_decision_applies(
        RoutingDecision("a9", 3, T0), manual_assignment_version=3, last_routing_version=0, last_routing_decided_at=None
    )


@given(st.lists(st.tuples(st.integers(1, 20), st.integers(0, 1000)), min_size=1, max_size=12))
def test_whatever_order_routing_decisions_arrive_in_the_newest_wins(decisions):
    """Applying decisions in any delivery order leaves the one with the greatest (version, time)."""
    events = [RoutingDecision(f"a{i}", v, T0 + timedelta(seconds=s)) for i, (v, s) in enumerate(decisions)]
    version, at, assignee = 0, None, None
    for event in events:
        if routing_decision_applies(
            event, manual_assignment_version=0, last_routing_version=version, last_routing_decided_at=at
        ):
            version, at, assignee = event.ticket_version, event.decided_at, event.agent_id
    best = max((e.ticket_version, e.decided_at) for e in events)
    assert (version, at) == best
    assert assignee in {e.agent_id for e in events if (e.ticket_version, e.decided_at) == best}


def test_manual_escalation_goes_up_only():
    check_manual_escalation(1, 3)
    for current, requested in ((2, 1), (2, 2), (1, 4), (1, 0)):
        with pytest.raises(EscalationRefused):
            check_manual_escalation(current, requested)


@given(st.integers(1, 3), st.integers(-5, 10))
def test_an_sla_escalation_never_lowers_the_level_and_stays_within_bounds(current, requested):
    target = sla_escalation_target(current, requested)
    assert target is None or current < target <= 3
