"""Who may assign whom, and whether a routing decision still applies (docs/architecture.md §3: tolerant of order)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from helpdesk_contracts import Role


class AssignmentNotAllowed(Exception):
    pass


def check_manual_assignment(role: Role, actor_id: str, agent_id: str) -> None:
    """Managers assign anyone; agents take tickets for themselves only."""
    if role is Role.MANAGER:
        return
    if role is Role.AGENT and agent_id == actor_id:
        return
    raise AssignmentNotAllowed("agents can only assign tickets to themselves")


def check_manual_unassignment(role: Role, actor_id: str, assignee_id: str | None) -> None:
    """Managers unassign anyone; agents release only their own tickets."""
    if role is Role.MANAGER or assignee_id is None:
        return
    if role is Role.AGENT and assignee_id == actor_id:
        return
    raise AssignmentNotAllowed("agents can only unassign themselves")


@dataclass(frozen=True)
class RoutingDecision:
    """A routing decision made on the ticket as routing saw it at `ticket_version`."""

    agent_id: str
    ticket_version: int
    decided_at: datetime
    group_id: str | None = None


def routing_fact_is_newer(
    ticket_version: int, at: datetime, *, last_routing_version: int, last_routing_at: datetime | None
) -> bool:
    """Routing's facts about a ticket (decided, queued, unassigned) are ordered by the ticket version routing saw,
    then by when they happened; an older one delivered late changes nothing."""
    if ticket_version < last_routing_version:
        return False
    if ticket_version == last_routing_version and last_routing_at is not None:
        return at > last_routing_at
    return True


def routing_decision_applies(
    decision: RoutingDecision,
    *,
    manual_assignment_version: int,
    last_routing_version: int,
    last_routing_decided_at: datetime | None,
) -> bool:
    """Apply a routing decision unless a manual assignment happened after the state routing saw, or a
    newer routing fact was already applied (an out-of-order older one changes nothing)."""
    if decision.ticket_version < manual_assignment_version:
        return False
    return routing_fact_is_newer(
        decision.ticket_version,
        decision.decided_at,
        last_routing_version=last_routing_version,
        last_routing_at=last_routing_decided_at,
    )


def unassignment_applies(
    previous_agent_id: str,
    ticket_version: int | None,
    at: datetime,
    *,
    assignee_id: str | None,
    manual_assignment_version: int,
    last_routing_version: int,
    last_routing_decided_at: datetime | None,
) -> bool:
    """Routing takes a ticket back from an agent only if it is still theirs, no manual assignment came after the
    state routing saw, and no newer routing fact (say, a later decision for the same agent) was applied."""
    if assignee_id != previous_agent_id:
        return False
    if ticket_version is not None and ticket_version < manual_assignment_version:
        return False
    return routing_fact_is_newer(
        ticket_version if ticket_version is not None else last_routing_version,
        at,
        last_routing_version=last_routing_version,
        last_routing_at=last_routing_decided_at,
    )
