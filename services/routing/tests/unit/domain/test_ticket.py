from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from helpdesk_routing.domain.ticket import Fact, TicketState, plan

ID = uuid.uuid4()
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def fact(version: int, **fields: object) -> Fact:
    return Fact(**({"version": version, "status": "new", "priority": "normal", "created_at": T0} | fields))  # type: ignore[arg-type]


def state(version: int, **fields: object) -> TicketState:
    values = {"ticket_id": ID, "version": version, "status": "new", "priority": "normal", "created_at": T0} | fields
    return TicketState(**values)  # type: ignore[arg-type]


def test_a_new_unassigned_ticket_is_routed() -> None:
    step = plan(None, fact(1), ID)
    assert step.route == "new" and step.release is None and step.take is None


def test_an_older_or_repeated_fact_is_stale_and_changes_nothing() -> None:
    before = state(3, assignee_id="ann", status="assigned")
    assert plan(before, fact(3, status="resolved"), ID).stale
    assert plan(before, fact(2, status="resolved"), ID).stale


def test_resolving_releases_the_assignee_and_reopening_reclaims_them() -> None:
    before = state(3, assignee_id="ann", status="in_progress")
    resolved = plan(before, fact(4, status="resolved", assignee_id="ann"), ID)
    assert resolved.release == "ann" and resolved.route is None
    reopened = plan(resolved.state, fact(5, status="reopened", assignee_id="ann"), ID)
    assert reopened.reclaim == "ann" and reopened.release is None


def test_a_manual_reassignment_moves_the_load() -> None:
    before = state(3, assignee_id="ann", status="assigned")
    step = plan(before, fact(4, status="assigned", assignee_id="bob"), ID)
    assert (step.release, step.take, step.route) == ("ann", "bob", None)


def test_routings_own_decision_survives_a_newer_snapshot_taken_before_tickets_recorded_it() -> None:
    decided = state(1, assignee_id="ann", pending_decision=True)
    step = plan(decided, fact(2, priority="high"), ID)
    assert step.state.assignee_id == "ann" and step.state.pending_decision
    assert step.release is None and step.route is None
    confirmed = plan(step.state, fact(3, status="assigned", assignee_id="ann"), ID)
    assert not confirmed.state.pending_decision and confirmed.take is None and confirmed.release is None


def test_unassigning_the_agent_routing_chose_ends_the_pending_decision_whatever_arrives_first() -> None:
    decided = state(1, assignee_id="ann", pending_decision=True)
    unrelated = plan(decided, fact(3, explicit_unassign=True, previous_assignee_id="bob"), ID)
    assert unrelated.state.assignee_id == "ann" and unrelated.release is None
    undone = plan(decided, fact(3, explicit_unassign=True, previous_assignee_id="ann"), ID)
    assert undone.state.assignee_id is None and undone.release == "ann" and undone.route == "unassigned"


def test_a_snapshot_still_naming_a_withdrawn_agent_is_not_a_manual_assignment() -> None:
    requeued = state(4, assignee_id=None, withdrawn_agent_id="ann", queued=True, status="assigned")
    step = plan(requeued, fact(5, status="assigned", assignee_id="ann"), ID)
    assert step.take is None and step.state.queued and step.state.assignee_id is None


def test_escalation_reroutes_and_releases_the_current_holder() -> None:
    before = state(3, assignee_id="ann", status="in_progress")
    step = plan(before, fact(4, status="in_progress", assignee_id="ann", escalation_level=2), ID)
    assert (step.route, step.release) == ("escalated", "ann")


def test_an_explicit_unassignment_routes_the_ticket_again() -> None:
    before = state(3, assignee_id="ann", status="assigned")
    step = plan(before, fact(4, status="assigned", explicit_unassign=True), ID)
    assert (step.release, step.route) == ("ann", "unassigned")


def test_closing_a_queued_ticket_takes_it_out_of_the_queue() -> None:
    step = plan(state(2, queued=True), fact(3, status="closed"), ID)
    assert step.leave_queue and not step.state.queued


def test_a_priority_change_while_waiting_asks_for_another_try() -> None:
    step = plan(state(2, queued=True), fact(3, priority="urgent"), ID)
    assert step.requeue_check and step.state.priority == "urgent"


def test_load_follows_the_latest_state_whatever_the_order_facts_arrive_in() -> None:
    """Applying any permutation of a ticket's facts, counting load moves, ends on the latest fact's holder."""
    import itertools

    facts = [
        fact(1),
        fact(2, status="assigned", assignee_id="ann"),
        fact(3, status="in_progress", assignee_id="ann"),
        fact(4, status="resolved", assignee_id="ann"),
        fact(5, status="reopened", assignee_id="ann"),
    ]
    for order in itertools.permutations(facts):
        current, load = None, 0
        for f in order:
            step = plan(current, f, ID)
            if step.stale:
                continue
            load += (step.take == "ann") + (step.reclaim == "ann") - (step.release == "ann")
            current = replace(step.state)
        assert current is not None and current.version == 5
        assert load == 1, [f.version for f in order]
