"""The routing view of one ticket, and what a newer fact about it means for load and routing. Pure.

Facts arrive out of order and more than once: a fact whose `ticket_version` is not newer than the one applied is
stale and changes nothing. Load is a function of this state (an open ticket counts on its assignee), so comparing the
state before and after a fact says exactly which agent's load moves; applying a fact twice moves nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

OPEN_STATUSES = frozenset({"new", "assigned", "in_progress", "waiting_customer", "waiting_third_party", "reopened"})


@dataclass(frozen=True)
class TicketState:
    ticket_id: uuid.UUID
    version: int
    status: str
    priority: str
    created_at: datetime
    category_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    escalation_level: int = 1
    assignee_id: str | None = None
    # Routing chose `assignee_id` and tickets has not confirmed it yet: a newer snapshot without an assignee
    # was taken before tickets recorded the decision, so it must not drop the reservation.
    pending_decision: bool = False
    # Routing took the ticket away from this agent and tickets has not confirmed it yet: a newer snapshot still
    # naming them is not news.
    withdrawn_agent_id: str | None = None
    queued: bool = False

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def load_holder(self) -> str | None:
        """The agent this ticket counts against: its assignee while it is open."""
        return self.assignee_id if self.open else None


@dataclass(frozen=True)
class Fact:
    """A ticket event reduced to what routing needs: the snapshot and whether it explicitly unassigned."""

    version: int
    status: str
    priority: str
    created_at: datetime
    category_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    escalation_level: int = 1
    assignee_id: str | None = None
    explicit_unassign: bool = False
    previous_assignee_id: str | None = None  # of an explicit assignment change


@dataclass(frozen=True)
class Plan:
    """What to do after a fact: the new state and the load and routing moves it implies."""

    state: TicketState
    stale: bool = False
    release: str | None = None  # this agent's load drops by one
    take: str | None = None  # this agent's load rises by one, cap or not (tickets' truth: a manual assignment)
    reclaim: str | None = None  # a reopened ticket returns to this assignee if online and under the cap, else reroute
    route: str | None = None  # (re)route the ticket, for this reason
    leave_queue: bool = False
    requeue_check: bool = False  # still queued, but what it asks for may have changed: try again
    notes: tuple[str, ...] = field(default_factory=tuple)


def plan(before: TicketState | None, fact: Fact, ticket_id: uuid.UUID) -> Plan:
    if before is not None and fact.version <= before.version:
        return Plan(state=before, stale=True)
    withdrawn = before.withdrawn_agent_id if before is not None else None
    named = fact.assignee_id if fact.assignee_id != withdrawn else None
    # An unassignment of the very agent routing chose means tickets recorded the decision and then undid it.
    pending_holds = (
        before is not None
        and before.pending_decision
        and not (fact.explicit_unassign and fact.previous_assignee_id == before.assignee_id)
    )
    assignee: str | None
    if named is not None:
        assignee, pending, withdrawn = named, False, None
    elif pending_holds:
        assert before is not None
        assignee, pending = before.assignee_id, True
    elif fact.explicit_unassign:
        assignee, pending, withdrawn = None, False, None
    elif fact.assignee_id is not None:  # still names the agent routing withdrew: tickets has not caught up
        assignee, pending = None, False
    else:
        assignee, pending, withdrawn = None, False, None
    state = TicketState(
        ticket_id=ticket_id,
        version=fact.version,
        status=fact.status,
        priority=fact.priority,
        created_at=fact.created_at,
        category_id=fact.category_id,
        tags=fact.tags,
        escalation_level=fact.escalation_level,
        assignee_id=assignee,
        pending_decision=pending,
        withdrawn_agent_id=withdrawn,
        queued=before.queued if before is not None else False,
    )
    old_holder = before.load_holder if before is not None else None
    if not state.open:
        return Plan(state=replace(state, queued=False), release=old_holder, leave_queue=True)
    if before is not None and state.escalation_level > before.escalation_level:
        return Plan(state=state, release=old_holder, route="escalated")
    if before is not None and not before.open:
        if assignee is None:
            return Plan(state=state, route="reopened")
        return Plan(state=state, reclaim=assignee)
    if assignee != old_holder:
        if assignee is None:
            return Plan(state=state, release=old_holder, route=None if state.queued else "unassigned")
        return Plan(state=replace(state, queued=False), release=old_holder, take=assignee, leave_queue=True)
    if assignee is None and not state.queued:
        return Plan(state=state, route="new")
    changed = before is not None and (
        (before.priority, before.category_id, before.tags) != (state.priority, state.category_id, state.tags)
    )
    return Plan(state=state, requeue_check=state.queued and changed)
