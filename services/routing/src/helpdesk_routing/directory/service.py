"""Use cases for agents and groups: validate, write, emit the directory events, and let routing react
(an agent who comes online or gains capacity takes waiting tickets; one who goes offline may hand theirs back)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Role
from helpdesk_contracts.routing import AgentStatusChanged, AgentUpserted, GroupUpserted
from helpdesk_routing.assignment import config as configs, repository as assignment_repo, service as assignment
from helpdesk_routing.directory import repository as repo
from helpdesk_routing.directory.schemas import (
    AgentCreate,
    AgentRead,
    AgentWrite,
    Skill,
)
from helpdesk_routing.events import events
from helpdesk_routing.retry import retrying
from helpdesk_routing.text import first_of_cursor
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, Forbidden, NotFound, Unprocessable
from helpdesk_servicekit.idempotency import StoredResponse, run_once
from helpdesk_servicekit.outbox import Staged
from helpdesk_servicekit.pagination import Page, encode_cursor


def _agent_read(row: Row[Any], group_ids: list[uuid.UUID]) -> AgentRead:
    data = dict(row._mapping)
    data["skills"] = [Skill(name=n, level=lv) for n, lv in sorted(data["skills"].items())]
    return AgentRead(**data, group_ids=group_ids)


def _agent_values(data: AgentWrite, status: str) -> dict[str, Any]:
    return {
        "name": data.name,
        "email": data.email,
        "locale": data.locale,
        "role": data.role,
        "tier": data.tier,
        "skills": {s.name: s.level for s in data.skills},
        "max_concurrent_tickets": data.max_concurrent_tickets,
        "status": status,
    }


async def _read_agent(session: AsyncSession, merchant_id: str, user_id: str) -> AgentRead:
    row = await repo.get_agent(session, merchant_id, user_id)
    if row is None:
        raise NotFound(f"agent {user_id} not found")
    return _agent_read(row, await repo.groups_of(session, merchant_id, user_id))


async def _check_groups(session: AsyncSession, merchant_id: str, group_ids: list[uuid.UUID]) -> None:
    missing = set(group_ids) - await repo.existing_groups(session, merchant_id, group_ids)
    if missing:
        message = f"unknown groups: {', '.join(sorted(map(str, missing)))}"
        raise Unprocessable(message, errors=[{"field": "body.group_ids", "message": message}])


def agent_upserted(merchant_id: str, row: Row[Any], group_ids: list[uuid.UUID]) -> Staged:
    """The agent's directory entry, ready for the outbox."""
    payload = AgentUpserted(
        agent_id=row.user_id,
        name=row.name,
        email=row.email,
        locale=row.locale,
        role=Role(row.role),
        tier=row.tier,
        group_ids=[str(g) for g in group_ids],
        active=row.active,
        status=row.status,
        version=row.version,
    )
    return events.prepare(payload, merchant_id=merchant_id, ordering_key=f"agent:{row.user_id}")


def status_changed(merchant_id: str, user_id: str, old: str, new: str) -> Staged:
    payload = AgentStatusChanged(agent_id=user_id, from_status=old, status=new, at=utcnow())  # type: ignore[arg-type]
    return events.prepare(payload, merchant_id=merchant_id, ordering_key=f"agent:{user_id}")


async def announce(
    session: AsyncSession, merchant_id: str, agent_ids: Iterable[str] = (), group_ids: Iterable[uuid.UUID] = ()
) -> None:
    """Stage the whole current state of each changed agent and group (the directory other services copy)."""
    staged = []
    agents = sorted(set(agent_ids))
    memberships = await repo.groups_of_many(session, merchant_id, agents) if agents else {}
    for user_id in agents:
        row = await repo.get_agent(session, merchant_id, user_id)
        if row is not None:
            staged.append(agent_upserted(merchant_id, row, memberships.get(user_id, [])))
    groups = sorted(set(group_ids), key=str)
    members = await repo.members_of_many(session, merchant_id, groups) if groups else {}
    for group_id in groups:
        g = await repo.get_group(session, merchant_id, group_id)
        if g is None:
            continue
        payload_g = GroupUpserted(
            group_id=str(g.id),
            name=g.name,
            tier=g.tier,
            member_ids=members.get(group_id, []),
            is_default=g.is_default,
            active=g.active,
            version=g.version,
        )
        staged.append(events.prepare(payload_g, merchant_id=merchant_id, ordering_key=f"group:{group_id}"))
    await events.stage_many(session, staged)


async def _status_changed(
    session: AsyncSession,
    merchant_id: str,
    user_id: str,
    old: str,
    new: str,
    *,
    force_requeue: bool = False,
    announced: bool = False,
) -> None:
    """Tell everyone (unless done), then apply the merchant's offline policy (keep or return the agent's tickets)."""
    if old != new and not announced:
        await events.stage(
            session,
            AgentStatusChanged(agent_id=user_id, from_status=old, status=new, at=utcnow()),  # type: ignore[arg-type]
            merchant_id=merchant_id,
            ordering_key=f"agent:{user_id}",
        )
    if force_requeue:
        await assignment.return_tickets_of(session, merchant_id, user_id, "agent deactivated")
    elif new == "offline" and old != "offline":
        config = await configs.routing_config(session, merchant_id)
        if config.offline_policy == "requeue":
            await assignment.return_tickets_of(session, merchant_id, user_id, "agent went offline")


async def create_agent(
    sessions: Sessions, principal: Principal, data: AgentCreate, key: str | None
) -> StoredResponse:
    m = principal.merchant_id

    async def work(session: AsyncSession) -> AgentRead:
        await _check_groups(session, m, data.group_ids)
        status = data.status or "offline"
        if not await repo.insert_agent(session, m, data.user_id, _agent_values(data, status)):
            raise Conflict(f"agent {data.user_id} already exists; PUT /v1/agents/{data.user_id} changes it")
        changed_groups = await repo.set_agent_groups(session, m, data.user_id, data.group_ids)
        await repo.bump_groups(session, m, list(changed_groups))
        await announce(session, m, [data.user_id], changed_groups)
        if status != "offline":
            await _status_changed(session, m, data.user_id, "offline", status)
        if status == "online":
            await assignment.drain_for_agent(session, m, data.user_id)
        return await _read_agent(session, m, data.user_id)

    body = ("create_agent", data.model_dump(mode="json"))
    return await retrying(lambda: run_once(sessions, principal, key, body, work, status_code=201))


async def replace_agent(sessions: Sessions, principal: Principal, user_id: str, data: AgentWrite) -> AgentRead:
    m = principal.merchant_id

    async def work() -> AgentRead:
        async with unit_of_work(sessions) as session:
            before = await repo.get_agent(session, m, user_id)
            if before is None:
                raise NotFound(f"agent {user_id} not found")
            await _check_groups(session, m, data.group_ids)
            status = data.status or (before.status if before.active else "offline")
            if status == "offline" and before.status != "offline":
                await assignment_repo.lock_tickets_of(session, m, user_id)
            await repo.get_agent(session, m, user_id, lock=True)
            await repo.update_agent(session, m, user_id, _agent_values(data, status))
            changed_groups = await repo.set_agent_groups(session, m, user_id, data.group_ids)
            await repo.bump_groups(session, m, list(changed_groups))
            await announce(session, m, [user_id], changed_groups)
            await _status_changed(session, m, user_id, before.status, status)
            if status == "online":
                await assignment.drain_for_agent(session, m, user_id)
            read = await _read_agent(session, m, user_id)
            await session.commit()
            return read

    return await retrying(work)


async def set_status(sessions: Sessions, principal: Principal, user_id: str, status: str) -> AgentRead:
    """An agent's status; one who comes online takes waiting tickets at once, one who goes offline keeps or
    returns theirs by the merchant's setting."""
    m = principal.merchant_id

    async def work() -> AgentRead:
        async with unit_of_work(sessions) as session:
            before = await repo.get_agent(session, m, user_id)
            if before is None:
                raise NotFound(f"agent {user_id} not found")
            if not before.active:
                raise Conflict(f"agent {user_id} is deactivated")
            if status == before.status and status != "online":
                return _agent_read(before, await repo.groups_of(session, m, user_id))
            if status == "offline":
                await assignment_repo.lock_tickets_of(session, m, user_id)  # tickets before the agent: lock order
            row = await repo.set_status(session, m, user_id, status) if status != before.status else before
            groups = await repo.groups_of(session, m, user_id)
            staged = [agent_upserted(m, row, groups), status_changed(m, user_id, before.status, status)]
            if status != before.status and status != "online":
                await events.stage_many(session, staged)
                await _status_changed(session, m, user_id, before.status, status, announced=True)
                read = await _read_agent(session, m, user_id)
            else:
                also = staged if status != before.status else []
                known = (assignment_repo.candidate_of(row), groups)
                drained = await assignment.drain_for_agent(session, m, user_id, known=known, also=also)
                read = _agent_read(row, groups).model_copy(update={"load": row.load + drained})
            await session.commit()
            return read

    return await retrying(work)


async def deactivate_agent(sessions: Sessions, principal: Principal, user_id: str) -> None:
    m = principal.merchant_id

    async def work() -> None:
        async with unit_of_work(sessions) as session:
            before = await repo.get_agent(session, m, user_id)
            if before is None or not before.active:
                raise NotFound(f"agent {user_id} not found")
            await assignment_repo.lock_tickets_of(session, m, user_id)
            await repo.deactivate_agent(session, m, user_id)
            groups = await repo.groups_of(session, m, user_id)
            await repo.bump_groups(session, m, groups)
            await announce(session, m, [user_id], groups)
            await _status_changed(session, m, user_id, before.status, "offline", force_requeue=True)
            await session.commit()

    await retrying(work)


async def get_agent(sessions: Sessions, principal: Principal, user_id: str) -> AgentRead:
    """Managers read anyone of their merchant; an agent reads themself and members of their groups."""
    async with unit_of_work(sessions) as session:
        read = await _read_agent(session, principal.merchant_id, user_id)
        if principal.role is not Role.MANAGER and user_id != principal.user_id:
            mine = set(await repo.groups_of(session, principal.merchant_id, principal.user_id))
            if not mine & set(read.group_ids):
                raise NotFound(f"agent {user_id} not found")
        return read


async def list_agents(
    sessions: Sessions,
    principal: Principal,
    *,
    limit: int,
    cursor: str | None,
    group_id: uuid.UUID | None,
    status: str | None,
) -> Page[AgentRead]:
    after = first_of_cursor(cursor)
    async with unit_of_work(sessions) as session:
        visible = None
        if principal.role is not Role.MANAGER:
            visible = await repo.groups_of(session, principal.merchant_id, principal.user_id)
        rows = await repo.list_agents(
            session,
            principal.merchant_id,
            after=after,
            limit=limit + 1,
            visible_groups=visible,
            self_id=principal.user_id,
            group_id=group_id,
            status=status,
        )
        groups = await repo.groups_of_many(session, principal.merchant_id, [r.user_id for r in rows[:limit]])
    items = [_agent_read(r, groups[r.user_id]) for r in rows[:limit]]
    next_cursor = encode_cursor(items[-1].user_id) if len(rows) > limit and items else None
    return Page(items=items, next_cursor=next_cursor)


def require_self_or_manager(principal: Principal, user_id: str) -> None:
    if principal.role is not Role.MANAGER and principal.user_id != user_id:
        raise Forbidden("agents change only their own status")
