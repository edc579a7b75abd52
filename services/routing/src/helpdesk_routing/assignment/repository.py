"""Queries of the assignment flow: the ticket projection and its queue, agent slots, the group cursor, the log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Priority
from helpdesk_routing.assignment.config import CONFIG_VERSION as _CONFIG_VERSION
from helpdesk_routing.domain.strategies import Candidate
from helpdesk_routing.domain.ticket import TicketState
from helpdesk_servicekit import outbox
from helpdesk_servicekit.outbox import Staged


@dataclass
class TicketRow:
    """The stored ticket: its state plus where routing sent it and what it asks for."""

    state: TicketState
    group_id: uuid.UUID | None = None
    strategy: str | None = None
    required_skills: list[dict[str, Any]] = field(default_factory=list)
    min_tier: int = 1
    # (group, agent): move the group's round-robin cursor to the agent when this row is saved
    cursor_move: tuple[uuid.UUID, str] | None = None


_TICKET_COLUMNS = (
    "ticket_id, ticket_version, status, priority, category_id, tags, escalation_level, assignee_id,"
    " pending_decision, withdrawn_agent_id, group_id, strategy, required_skills, min_tier, queued_at,"
    " ticket_created_at"
)


def _row(r: Any) -> TicketRow:
    state = TicketState(
        ticket_id=r.ticket_id,
        version=r.ticket_version,
        status=r.status,
        priority=r.priority,
        created_at=r.ticket_created_at,
        category_id=r.category_id,
        tags=tuple(r.tags),
        escalation_level=r.escalation_level,
        assignee_id=r.assignee_id,
        pending_decision=r.pending_decision,
        withdrawn_agent_id=r.withdrawn_agent_id,
        queued=r.queued_at is not None,
    )
    return TicketRow(state, r.group_id, r.strategy, list(r.required_skills), r.min_tier)




async def lock_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> tuple[TicketRow | None, int]:
    """The ticket, locked, and the merchant's routing configuration version (one round trip)."""
    result = await session.execute(
        text(
            f"SELECT {_TICKET_COLUMNS}, {_CONFIG_VERSION} AS config_version FROM routing_tickets"
            " WHERE merchant_id = :m AND ticket_id = :t FOR UPDATE"
        ),
        {"m": merchant_id, "t": ticket_id},
    )
    found = result.first()
    return (_row(found), found.config_version) if found is not None else (None, -1)


async def find_ticket(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> TicketRow | None:
    result = await session.execute(
        text(f"SELECT {_TICKET_COLUMNS} FROM routing_tickets WHERE merchant_id = :m AND ticket_id = :t"),
        {"m": merchant_id, "t": ticket_id},
    )
    found = result.first()
    return _row(found) if found is not None else None


def _params(merchant_id: str, row: TicketRow) -> dict[str, Any]:
    s = row.state
    return {
        "m": merchant_id,
        "t": s.ticket_id,
        "v": s.version,
        "status": s.status,
        "priority": s.priority,
        "rank": Priority(s.priority).rank,
        "category": s.category_id,
        "tags": list(s.tags),
        "level": s.escalation_level,
        "assignee": s.assignee_id,
        "pending": s.pending_decision,
        "withdrawn": s.withdrawn_agent_id,
        "group": row.group_id,
        "strategy": row.strategy,
        "skills": json.dumps(row.required_skills),
        "tier": row.min_tier,
        "queued": s.queued,
        "created": s.created_at,
    }


async def insert_ticket(session: AsyncSession, merchant_id: str, row: TicketRow) -> tuple[bool, int]:
    """First sighting of a ticket: False when a concurrent transaction stored it first; and the merchant's
    routing configuration version."""
    result = await session.execute(
        text(
            "WITH ins AS (INSERT INTO routing_tickets (merchant_id, ticket_id, ticket_version, status, priority,"
            " priority_rank, category_id, tags, escalation_level, assignee_id, pending_decision, withdrawn_agent_id,"
            " group_id, strategy, required_skills, min_tier, queued_at, ticket_created_at)"
            " VALUES (:m, :t, :v, :status, :priority, :rank, :category, :tags, :level, :assignee, :pending,"
            " :withdrawn, :group, :strategy, CAST(:skills AS jsonb), :tier, CASE WHEN :queued THEN now() END,"
            " :created) ON CONFLICT DO NOTHING RETURNING ticket_id)"
            f" SELECT EXISTS (SELECT 1 FROM ins), {_CONFIG_VERSION}"
        ),
        _params(merchant_id, row),
    )
    inserted, version = result.one()
    return bool(inserted), int(version)


_SAVE_TICKET = (
    "UPDATE routing_tickets SET ticket_version = :v, status = :status, priority = :priority,"
    " priority_rank = :rank, category_id = :category, tags = :tags, escalation_level = :level,"
    " assignee_id = :assignee, pending_decision = :pending, withdrawn_agent_id = :withdrawn,"
    " group_id = :group, strategy = :strategy, required_skills = CAST(:skills AS jsonb), min_tier = :tier,"
    " queued_at = CASE WHEN :queued THEN coalesce(queued_at, now()) END, ticket_created_at = :created,"
    " updated_at = now() WHERE merchant_id = :m AND ticket_id = :t"
)
_MOVE_CURSOR = (
    "UPDATE routing_groups SET rr_last_agent_id = :cursor_agent WHERE merchant_id = :m AND id = :cursor_group"
)


async def save_ticket(
    session: AsyncSession, merchant_id: str, row: TicketRow, staged: Sequence[Staged] = ()
) -> None:
    """Write the ticket, its events to the outbox (the kit's set-based form) and the round-robin cursor it moved,
    in one statement."""
    params = _params(merchant_id, row)
    ctes = []
    if row.cursor_move is not None:
        ctes.append(f"moved AS ({_MOVE_CURSOR})")
        params |= {"cursor_group": row.cursor_move[0], "cursor_agent": row.cursor_move[1]}
        row.cursor_move = None
    if staged:
        params["rows"] = outbox.rows_json(staged)
        ctes.append(f"saved AS ({_SAVE_TICKET} RETURNING 1)")
        statement = outbox.insert_sql(":rows")
    else:
        statement = _SAVE_TICKET
    await session.execute(text((f"WITH {', '.join(ctes)} " if ctes else "") + statement), params)
    if staged:
        outbox.wake_after_commit(session)


def candidate_of(r: Any) -> Candidate:
    """An agent row (any query naming the candidate columns) as the strategies see it."""
    return _candidate(r)


def _candidate(r: Any) -> Candidate:
    return Candidate(
        agent_id=r.user_id,
        status=r.status,
        load=r.load,
        capacity=r.max_concurrent_tickets,
        tier=r.tier,
        skills=r.skills,
        last_assigned_at=r.last_assigned_at,
        active=r.active,
    )


_CANDIDATE_COLUMNS = (
    "a.user_id, a.status, a.load, a.max_concurrent_tickets, a.tier, a.skills, a.last_assigned_at, a.active"
)


async def members(
    session: AsyncSession, merchant_id: str, group_id: uuid.UUID | None, *, lock_cursor: bool = False
) -> tuple[list[Candidate], str | None]:
    """The active agents a ticket of `group_id` may go to (every active agent when there is no group); with
    `lock_cursor`, also the group's round-robin cursor, locked in the same statement: round-robin decisions of one
    group are taken one at a time."""
    if group_id is None:
        result = await session.execute(
            text(
                f"SELECT {_CANDIDATE_COLUMNS}, NULL AS cursor FROM routing_agents a"
                " WHERE a.merchant_id = :m AND a.active"
            ),
            {"m": merchant_id},
        )
    else:
        cursor = "NULL"
        prefix = ""
        if lock_cursor:
            prefix = (
                "WITH cur AS (SELECT rr_last_agent_id FROM routing_groups WHERE merchant_id = :m AND id = :g"
                " FOR UPDATE) "
            )
            cursor = "(SELECT rr_last_agent_id FROM cur)"
        result = await session.execute(
            text(
                f"{prefix}SELECT {_CANDIDATE_COLUMNS}, {cursor} AS cursor FROM routing_memberships ms"
                " JOIN routing_agents a ON a.merchant_id = ms.merchant_id AND a.user_id = ms.agent_id"
                " WHERE ms.merchant_id = :m AND ms.group_id = :g AND a.active"
            ),
            {"m": merchant_id, "g": group_id},
        )
    rows = list(result)
    return [_candidate(r) for r in rows], (rows[0].cursor if rows else None)


async def agent_candidate(
    session: AsyncSession, merchant_id: str, agent_id: str
) -> tuple[Candidate, list[uuid.UUID]] | None:
    result = await session.execute(
        text(
            f"SELECT {_CANDIDATE_COLUMNS}, coalesce(array_agg(ms.group_id) FILTER (WHERE ms.group_id IS NOT NULL),"
            " '{}') AS group_ids FROM routing_agents a LEFT JOIN routing_memberships ms"
            " ON ms.merchant_id = a.merchant_id AND ms.agent_id = a.user_id"
            " WHERE a.merchant_id = :m AND a.user_id = :a GROUP BY a.merchant_id, a.user_id"
        ),
        {"m": merchant_id, "a": agent_id},
    )
    found = result.first()
    return (_candidate(found), list(found.group_ids)) if found is not None else None


_LOG = (
    " INSERT INTO routing_assignment_log (merchant_id, ticket_id, agent_id, change, load_after, capacity, reason)"
    " SELECT :m, :t, a.user_id, {change}, a.load, a.max_concurrent_tickets, :r FROM a"
    " RETURNING load_after"
)


async def take_slot(
    session: AsyncSession, merchant_id: str, agent_id: str, ticket_id: uuid.UUID, reason: str, *, enforce: bool = True
) -> int | None:
    """One more ticket on the agent: with `enforce`, only while online, active and under the cap (an atomic check
    under the row lock, so concurrent deciders never overbook). The new load, or None when it was refused."""
    condition = " AND active AND status = 'online' AND load < max_concurrent_tickets" if enforce else ""
    result = await session.execute(
        text(
            "WITH a AS (UPDATE routing_agents SET load = load + 1, last_assigned_at = now()"
            f" WHERE merchant_id = :m AND user_id = :agent{condition}"
            " RETURNING user_id, load, max_concurrent_tickets)" + _LOG.format(change=1)
        ),
        {"m": merchant_id, "agent": agent_id, "t": ticket_id, "r": reason},
    )
    found = result.first()
    return found[0] if found is not None else None


async def release_slot(
    session: AsyncSession, merchant_id: str, agent_id: str, ticket_id: uuid.UUID, reason: str
) -> int | None:
    result = await session.execute(
        text(
            "WITH a AS (UPDATE routing_agents SET load = greatest(load - 1, 0)"
            " WHERE merchant_id = :m AND user_id = :agent RETURNING user_id, load, max_concurrent_tickets)"
            + _LOG.format(change=-1)
        ),
        {"m": merchant_id, "agent": agent_id, "t": ticket_id, "r": reason},
    )
    found = result.first()
    return found[0] if found is not None else None


async def queued_for(
    session: AsyncSession,
    merchant_id: str,
    group_ids: Sequence[uuid.UUID],
    tier: int,
    after: tuple[int, Any, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """Waiting tickets an agent of `group_ids` and `tier` could take: highest priority first, then oldest.
    Tickets of the agent's groups and group-less ones (a merchant without groups) are read apart so each part
    walks the queue index in order."""
    order = "ORDER BY priority_rank DESC, ticket_created_at, ticket_id LIMIT :limit"
    where = "merchant_id = :m AND queued_at IS NOT NULL AND min_tier <= :tier"
    params: dict[str, Any] = {"m": merchant_id, "g": list(group_ids), "tier": tier, "limit": limit}
    if after is not None:
        where += " AND (-priority_rank, ticket_created_at, ticket_id) > (:r, :c, :t)"
        params |= {"r": -after[0], "c": after[1], "t": after[2]}
    columns = "ticket_id, priority_rank, ticket_created_at, required_skills, min_tier"
    result = await session.execute(
        text(
            f"(SELECT {columns} FROM routing_tickets WHERE {where} AND group_id = ANY(:g) {order})"
            f" UNION ALL (SELECT {columns} FROM routing_tickets WHERE {where} AND group_id IS NULL {order})"
            f" {order}"
        ),
        params,
    )
    return list(result)


async def take_slots(session: AsyncSession, merchant_id: str, agent_id: str, want: int) -> tuple[int, int]:
    """Up to `want` more tickets on an online, active agent, never past the cap, under the agent's row lock:
    returns (granted, load before)."""
    result = await session.execute(
        text(
            "WITH old AS (SELECT user_id, load FROM routing_agents WHERE merchant_id = :m AND user_id = :a"
            " AND active AND status = 'online' AND load < max_concurrent_tickets FOR UPDATE)"
            " UPDATE routing_agents a SET load = least(old.load + :want, a.max_concurrent_tickets),"
            " last_assigned_at = now() FROM old WHERE a.merchant_id = :m AND a.user_id = old.user_id"
            " RETURNING a.load - old.load AS granted, old.load AS before"
        ),
        {"m": merchant_id, "a": agent_id, "want": want},
    )
    found = result.first()
    return (int(found.granted), int(found.before)) if found is not None else (0, 0)


async def give_back(session: AsyncSession, merchant_id: str, agent_id: str, slots: int) -> None:
    await session.execute(
        text("UPDATE routing_agents SET load = greatest(load - :n, 0) WHERE merchant_id = :m AND user_id = :a"),
        {"m": merchant_id, "a": agent_id, "n": slots},
    )


async def claim_queued(
    session: AsyncSession,
    merchant_id: str,
    ticket_ids: Sequence[uuid.UUID],
    limit: int,
    agent_id: str,
    load_before: int,
) -> list[TicketRow]:
    """Give the agent up to `limit` of these waiting tickets, best first, skipping any another transaction holds;
    each is logged with the agent's load after it. Returns the claimed tickets in queue order."""
    result = await session.execute(
        text(
            "WITH pick AS (SELECT ticket_id, row_number() OVER (ORDER BY priority_rank DESC, ticket_created_at,"
            " ticket_id) AS n FROM (SELECT ticket_id, priority_rank, ticket_created_at FROM routing_tickets"
            " WHERE merchant_id = :m AND ticket_id = ANY(:ids) AND queued_at IS NOT NULL"
            " ORDER BY priority_rank DESC, ticket_created_at, ticket_id LIMIT :limit FOR UPDATE SKIP LOCKED) q),"
            " claimed AS (UPDATE routing_tickets t SET assignee_id = :a, pending_decision = true, queued_at = NULL,"
            " updated_at = now() FROM pick WHERE t.merchant_id = :m AND t.ticket_id = pick.ticket_id"
            f" RETURNING pick.n, {', '.join('t.' + c.strip() for c in _TICKET_COLUMNS.split(','))}),"
            " logged AS (INSERT INTO routing_assignment_log (merchant_id, ticket_id, agent_id, change, load_after,"
            " capacity, reason) SELECT :m, c.ticket_id, :a, 1, :before + c.n,"
            " (SELECT max_concurrent_tickets FROM routing_agents WHERE merchant_id = :m AND user_id = :a),"
            " 'queue drained' FROM claimed c)"
            " SELECT * FROM claimed ORDER BY n"
        ),
        {"m": merchant_id, "ids": list(ticket_ids), "limit": limit, "a": agent_id, "before": load_before},
    )
    return [_row(r) for r in result]


async def lock_queued(session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID) -> TicketRow | None:
    """The waiting ticket, locked, unless another transaction holds it or it no longer waits."""
    result = await session.execute(
        text(
            f"SELECT {_TICKET_COLUMNS} FROM routing_tickets WHERE merchant_id = :m AND ticket_id = :t"
            " AND queued_at IS NOT NULL FOR UPDATE SKIP LOCKED"
        ),
        {"m": merchant_id, "t": ticket_id},
    )
    found = result.first()
    return _row(found) if found is not None else None


async def lock_tickets_of(session: AsyncSession, merchant_id: str, agent_id: str) -> list[TicketRow]:
    """The agent's open tickets, locked in ticket id order."""
    result = await session.execute(
        text(
            f"SELECT {_TICKET_COLUMNS} FROM routing_tickets WHERE merchant_id = :m AND assignee_id = :a"
            " AND status NOT IN ('resolved', 'closed') ORDER BY ticket_id FOR UPDATE"
        ),
        {"m": merchant_id, "a": agent_id},
    )
    return [_row(r) for r in result]


async def queue(
    session: AsyncSession, merchant_id: str, group_id: uuid.UUID | None, after: tuple[int, Any, str] | None, limit: int
) -> list[Any]:
    where, params = "merchant_id = :m AND queued_at IS NOT NULL", {"m": merchant_id, "limit": limit}
    if group_id is not None:
        where += " AND group_id = :g"
        params["g"] = group_id
    if after is not None:
        where += " AND (-priority_rank, ticket_created_at, ticket_id) > (:r, CAST(:c AS timestamptz), CAST(:t AS uuid))"
        params |= {"r": -after[0], "c": after[1], "t": after[2]}
    result = await session.execute(
        text(
            "SELECT ticket_id, priority, priority_rank, group_id, escalation_level, min_tier, required_skills,"
            f" queued_at, ticket_created_at FROM routing_tickets WHERE {where}"
            " ORDER BY priority_rank DESC, ticket_created_at, ticket_id LIMIT :limit"
        ),
        params,
    )
    return list(result)


async def reconcile_agent(session: AsyncSession, merchant_id: str, agent_id: str) -> tuple[int, int] | None:
    """Lock the agent, then count its open tickets (a later statement, so it sees every committed slot change);
    returns (stored load, true load) after correcting it."""
    locked = await session.execute(
        text("SELECT load FROM routing_agents WHERE merchant_id = :m AND user_id = :a FOR UPDATE"),
        {"m": merchant_id, "a": agent_id},
    )
    found = locked.first()
    if found is None:
        return None
    counted = await session.execute(
        text(
            "SELECT count(*) FROM routing_tickets WHERE merchant_id = :m AND assignee_id = :a"
            " AND status NOT IN ('resolved', 'closed')"
        ),
        {"m": merchant_id, "a": agent_id},
    )
    true_load = int(counted.scalar_one())
    if true_load != found.load:
        await session.execute(
            text("UPDATE routing_agents SET load = :n WHERE merchant_id = :m AND user_id = :a"),
            {"m": merchant_id, "a": agent_id, "n": true_load},
        )
    return found.load, true_load


async def all_agents(session: AsyncSession, merchant_id: str | None) -> list[tuple[str, str]]:
    where = "WHERE merchant_id = :m" if merchant_id is not None else ""
    result = await session.execute(
        text(f"SELECT merchant_id, user_id FROM routing_agents {where} ORDER BY merchant_id, user_id"),
        {"m": merchant_id},
    )
    return [(r[0], r[1]) for r in result]
