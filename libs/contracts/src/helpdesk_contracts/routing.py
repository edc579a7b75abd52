"""Payloads of the events the routing service produces: assignment decisions, the waiting queue, and the agent
and group directory every other service keeps its own copy of."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from helpdesk_contracts.enums import Role
from helpdesk_contracts.envelope import Payload

AgentStatus = Literal["online", "away", "offline"]


class RoutingAssignmentDecided(Payload):
    """Routing chose `agent_id` for the ticket; tickets records it unless a later manual assignment exists."""

    event_type = "routing.assignment_decided"

    ticket_id: uuid.UUID
    agent_id: str
    group_id: str | None = None
    ticket_version: int
    strategy: str | None = None
    # Added within v1 (optional): why this agent (rule matched, strategy outcome, escalation, reroute).
    reason: str | None = None


class RoutingTicketQueued(Payload):
    """Nobody available fits: the ticket waits in `group_id`'s queue until capacity frees."""

    event_type = "routing.ticket_queued"

    ticket_id: uuid.UUID
    ticket_version: int
    reason: str
    # Added within v1 (optional):
    group_id: str | None = None
    priority: str | None = None


class RoutingUnassigned(Payload):
    """Routing took the ticket away from `previous_agent_id` (e.g. the agent went offline and the merchant returns
    their tickets to the queue); tickets clears the assignee if it is still that agent."""

    event_type = "routing.unassigned"

    ticket_id: uuid.UUID
    previous_agent_id: str
    reason: str
    ticket_version: int | None = None
    group_id: str | None = None


class AgentStatusChanged(Payload):
    event_type = "agent.status_changed"

    agent_id: str
    from_status: AgentStatus | None = None
    status: AgentStatus
    at: datetime


class AgentUpserted(Payload):
    """The agent directory entry: the whole current state, sent on every change (last `version` wins)."""

    event_type = "agent.upserted"

    agent_id: str
    name: str
    email: str | None = None
    locale: str | None = None
    role: Role
    tier: int
    group_ids: list[str] = Field(default_factory=list)
    active: bool = True
    status: AgentStatus = "offline"
    version: int


class GroupUpserted(Payload):
    """A group's current state (last `version` wins)."""

    event_type = "group.upserted"

    group_id: str
    name: str
    tier: int
    member_ids: list[str] = Field(default_factory=list)
    is_default: bool = False
    active: bool = True
    version: int


EVENTS: tuple[type[Payload], ...] = (
    RoutingAssignmentDecided,
    RoutingTicketQueued,
    RoutingUnassigned,
    AgentStatusChanged,
    AgentUpserted,
    GroupUpserted,
)
