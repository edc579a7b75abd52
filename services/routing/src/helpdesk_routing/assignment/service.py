"""The assignment flow: ticket facts in, decisions out. Every function runs inside the caller's transaction.

Lock order, kept everywhere so deciders do not deadlock: the ticket row, then the group's round-robin cursor, then
agent rows (one at a time, by an atomic conditional update); a waiting ticket picked up for a freed agent is taken
with SKIP LOCKED, so a drain never waits on a ticket another transaction is working on.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts.routing import RoutingAssignmentDecided, RoutingTicketQueued, RoutingUnassigned
from helpdesk_routing.assignment import config as configs, repository as repo
from helpdesk_routing.assignment.config import RoutingConfig
from helpdesk_routing.assignment.repository import TicketRow
from helpdesk_routing.domain.rules import TicketFacts, choose_route
from helpdesk_routing.domain.strategies import Candidate, Need, SkillNeed, need_for, qualifies, rank
from helpdesk_routing.domain.ticket import Fact, Plan, plan
from helpdesk_routing.events import events
from helpdesk_servicekit.outbox import Staged

DRAIN_PAGE = 50


async def apply_fact(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, fact: Fact, *, likely_new: bool = False
) -> Plan:
    """Apply one ticket fact: update the projection, move load, route or queue, and drain freed capacity.
    `likely_new` (ticket.created) tries the insert of a first sighting before looking for the row."""
    if likely_new:
        first = plan(None, fact, ticket_id)
        inserted, version = await repo.insert_ticket(session, merchant_id, TicketRow(first.state))
        if inserted:
            return await _carry_out(session, merchant_id, TicketRow(first.state), first, version)
    row, version = await repo.lock_ticket(session, merchant_id, ticket_id)
    if row is None:
        first = plan(None, fact, ticket_id)
        inserted, version = await repo.insert_ticket(session, merchant_id, TicketRow(first.state))
        if inserted:
            return await _carry_out(session, merchant_id, TicketRow(first.state), first, version)
        row, version = await repo.lock_ticket(session, merchant_id, ticket_id)
        assert row is not None
    step = plan(row.state, fact, ticket_id)
    if step.stale:
        return step
    return await _carry_out(session, merchant_id, replace(row, state=step.state), step, version)


async def _carry_out(session: AsyncSession, merchant_id: str, row: TicketRow, step: Plan, version: int) -> Plan:
    ticket_id = row.state.ticket_id
    out: list[Staged] = []  # the ticket's events, written with its row in one statement
    if step.take is not None:
        await repo.take_slot(session, merchant_id, step.take, ticket_id, "assigned by tickets", enforce=False)
    reroute = step.route
    withdrawn = step.release if step.route == "escalated" else None
    if step.reclaim is not None:
        reason = "reopened: back to its assignee"
        if await repo.take_slot(session, merchant_id, step.reclaim, ticket_id, reason) is None:
            reroute, withdrawn = "reopened: assignee offline or at capacity", step.reclaim
            row.state = replace(row.state, assignee_id=None, pending_decision=False)
    if reroute is not None:
        if withdrawn is not None:
            row.state = replace(row.state, assignee_id=None, pending_decision=False, withdrawn_agent_id=withdrawn)
        row = await route(session, merchant_id, row, reroute, version, out)
        if withdrawn is not None and row.state.assignee_id is None:
            out.append(_unassigned(merchant_id, row, withdrawn, reroute))
    elif step.requeue_check:
        row = await route(session, merchant_id, row, "ticket changed while waiting", version, out)
    await repo.save_ticket(session, merchant_id, row, out)
    if step.release is not None:
        await release(session, merchant_id, step.release, ticket_id, step.route or row.state.status)
    return step


async def release(session: AsyncSession, merchant_id: str, agent_id: str, ticket_id: uuid.UUID, reason: str) -> None:
    """The ticket no longer counts on the agent: free the slot and hand the agent the next waiting ticket."""
    await repo.release_slot(session, merchant_id, agent_id, ticket_id, reason)
    await drain_for_agent(session, merchant_id, agent_id)


async def route(
    session: AsyncSession, merchant_id: str, row: TicketRow, why: str, version: int, out: list[Staged]
) -> TicketRow:
    """Pick an agent by the matching rule's group and strategy and emit the decision; else queue the ticket.
    `version` is the merchant's configuration version read in this transaction."""
    config = await configs.routing_config(session, merchant_id, version)
    return await route_with(session, merchant_id, row, why, config, out)


async def route_with(
    session: AsyncSession, merchant_id: str, row: TicketRow, why: str, config: RoutingConfig, out: list[Staged]
) -> TicketRow:
    """`route` with the configuration at hand; the decision or queued event is appended to `out`."""
    s = row.state
    facts = TicketFacts(s.priority, s.category_id, s.tags, s.escalation_level)
    chosen = choose_route(
        config.rules,
        facts,
        default_group_id=config.default_group_id,
        default_strategy=config.default_strategy,
        groups_by_tier=config.groups_by_tier,
    )
    strategy = chosen.strategy
    if strategy == "round_robin" and chosen.group_id is None:
        strategy = "least_loaded"  # the rotation's cursor lives on a group
    rotating = strategy == "round_robin" and chosen.group_id is not None
    members, cursor = await repo.members(session, merchant_id, chosen.group_id, lock_cursor=rotating)
    need = need_for(strategy, chosen.required_skills, s.tags, members, chosen.min_tier)
    was_queued, old_group = s.queued, row.group_id
    row.group_id, row.strategy, row.min_tier = chosen.group_id, strategy, need.min_tier
    row.required_skills = [{"name": n.name, "min_level": n.min_level} for n in need.skills]
    for candidate in rank(strategy, members, need, last_agent_id=cursor):
        load = await repo.take_slot(session, merchant_id, candidate.agent_id, s.ticket_id, f"{why}: {strategy}")
        if load is None:
            continue  # someone else took the last slot meanwhile: next best
        if rotating and chosen.group_id is not None:
            row.cursor_move = (chosen.group_id, candidate.agent_id)
        withdrawn = None if s.withdrawn_agent_id == candidate.agent_id else s.withdrawn_agent_id
        row.state = replace(
            s, assignee_id=candidate.agent_id, pending_decision=True, withdrawn_agent_id=withdrawn, queued=False
        )
        out.append(_decided(merchant_id, row, f"{why}; {chosen.reason}; {strategy}"))
        return row
    row.state = replace(s, assignee_id=None, pending_decision=False, queued=True)
    if not was_queued or old_group != row.group_id:
        queued = RoutingTicketQueued(
            ticket_id=s.ticket_id,
            ticket_version=s.version,
            reason=f"{why}; nobody available in {chosen.reason}",
            group_id=str(chosen.group_id) if chosen.group_id else None,
            priority=s.priority,
        )
        out.append(events.prepare(queued, merchant_id=merchant_id, ordering_key=str(s.ticket_id)))
    return row


async def drain_for_agent(
    session: AsyncSession,
    merchant_id: str,
    agent_id: str,
    *,
    known: tuple[Candidate, list[uuid.UUID]] | None = None,
    also: Sequence[Staged] = (),
) -> int:
    """Give the agent waiting tickets of their groups while they are online and under the cap, highest priority
    first, then oldest; returns how many. Set-based: the free slots are taken at once under the agent's row lock,
    the tickets claimed in one statement (SKIP LOCKED), and slots nobody could fill are given back."""
    found = known or await repo.agent_candidate(session, merchant_id, agent_id)
    if found is None:
        await events.stage_many(session, also)
        return 0
    agent, group_ids = found
    decided: list[TicketRow] = []
    after = None
    while agent.available:
        page = await repo.queued_for(session, merchant_id, group_ids, agent.tier, after, DRAIN_PAGE)
        fitting = [w.ticket_id for w in page if qualifies(agent, _need_of(w))]
        if fitting:
            granted, before = await repo.take_slots(
                session, merchant_id, agent_id, min(len(fitting), agent.capacity - agent.load)
            )
            if granted == 0:
                break
            claimed = await repo.claim_queued(session, merchant_id, fitting, granted, agent_id, before)
            if len(claimed) < granted:
                await repo.give_back(session, merchant_id, agent_id, granted - len(claimed))
            decided += claimed
            agent = replace(agent, load=before + len(claimed))
        if len(page) < DRAIN_PAGE:
            break
        last = page[-1]
        after = (last.priority_rank, last.ticket_created_at, last.ticket_id)
    reason = "capacity freed: waiting ticket, highest priority first"
    await events.stage_many(session, [*also, *(_decided(merchant_id, row, reason) for row in decided)])
    return len(decided)


async def return_tickets_of(session: AsyncSession, merchant_id: str, agent_id: str, reason: str) -> int:
    """Take every open ticket away from the agent and route each again (the merchant's `requeue` policy)."""
    tickets = await repo.lock_tickets_of(session, merchant_id, agent_id)
    if not tickets:
        return 0
    config = await configs.routing_config(session, merchant_id, await configs.config_version(session, merchant_id))
    for row in tickets:
        await repo.release_slot(session, merchant_id, agent_id, row.state.ticket_id, reason)
        row.state = replace(row.state, assignee_id=None, pending_decision=False, withdrawn_agent_id=agent_id)
        out = [_unassigned(merchant_id, row, agent_id, reason)]
        row = await route_with(session, merchant_id, row, reason, config, out)
        await repo.save_ticket(session, merchant_id, row, out)
    return len(tickets)


def _need_of(waiting: Any) -> Need:
    """What a waiting ticket asks of its agent, as stored when it was queued."""
    return Need(tuple(SkillNeed(s["name"], s["min_level"]) for s in waiting.required_skills), waiting.min_tier)


def _decided(merchant_id: str, row: TicketRow, reason: str) -> Staged:
    s = row.state
    assert s.assignee_id is not None
    payload = RoutingAssignmentDecided(
        ticket_id=s.ticket_id,
        agent_id=s.assignee_id,
        group_id=str(row.group_id) if row.group_id else None,
        ticket_version=s.version,
        strategy=row.strategy,
        reason=reason,
    )
    return events.prepare(payload, merchant_id=merchant_id, ordering_key=str(s.ticket_id))


def _unassigned(merchant_id: str, row: TicketRow, previous: str, reason: str) -> Staged:
    payload = RoutingUnassigned(
        ticket_id=row.state.ticket_id,
        previous_agent_id=previous,
        reason=reason,
        ticket_version=row.state.version,
        group_id=str(row.group_id) if row.group_id else None,
    )
    return events.prepare(payload, merchant_id=merchant_id, ordering_key=str(row.state.ticket_id))
