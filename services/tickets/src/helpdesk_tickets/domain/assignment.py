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


def routing_decision_applies(
    decision: RoutingDecision,
    *,
    manual_assignment_version: int,
    last_routing_version: int,
    last_routing_decided_at: datetime | None,
) -> bool:
    """Apply a routing decision unless a manual assignment happened after the state routing saw, or a
    newer routing decision was already applied (an out-of-order older one changes nothing)."""
    if decision.ticket_version < manual_assignment_version:
        return False
    if decision.ticket_version < last_routing_version:
        return False
    if decision.ticket_version == last_routing_version and last_routing_decided_at is not None:
        return decision.decided_at > last_routing_decided_at
    return True
