"""Use cases for groups: validate, write, emit the directory events; new members take waiting tickets."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_routing.assignment import config as configs, service as assignment
from helpdesk_routing.directory import repository as repo
from helpdesk_routing.directory.schemas import GroupRead, GroupWrite
from helpdesk_routing.directory.service import announce
from helpdesk_routing.retry import retrying
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, NotFound, Unprocessable
from helpdesk_servicekit.idempotency import StoredResponse, run_once
from helpdesk_servicekit.pagination import Page, decode_cursor, encode_cursor


async def _read_group(session: AsyncSession, merchant_id: str, group_id: uuid.UUID) -> GroupRead:
    row = await repo.get_group(session, merchant_id, group_id)
    if row is None or not row.active:
        raise NotFound(f"group {group_id} not found")
    return GroupRead(**row._mapping, member_ids=await repo.members_of(session, merchant_id, group_id))


async def _check_members(session: AsyncSession, merchant_id: str, member_ids: list[str]) -> None:
    missing = set(member_ids) - await repo.existing_agents(session, merchant_id, member_ids)
    if missing:
        message = f"unknown agents: {', '.join(sorted(missing))}"
        raise Unprocessable(message, errors=[{"field": "body.member_ids", "message": message}])


async def _write_group(
    session: AsyncSession, merchant_id: str, group_id: uuid.UUID, data: GroupWrite, changed_groups: set[uuid.UUID]
) -> None:
    """Membership, events and a new routing configuration version for a group just inserted or updated."""
    await configs.bump_config(session, merchant_id)
    changed_groups = changed_groups | {group_id}
    changed_agents: set[str] = set()
    if data.member_ids is not None:
        await _check_members(session, merchant_id, data.member_ids)
        changed_agents = await repo.set_group_members(session, merchant_id, group_id, data.member_ids)
        await repo.bump_agents(session, merchant_id, sorted(changed_agents))
    await announce(session, merchant_id, changed_agents, changed_groups)
    for agent_id in sorted(changed_agents):
        await assignment.drain_for_agent(session, merchant_id, agent_id)


def _group_conflict(exc: Exception, name: str) -> Conflict | None:
    if "uq_routing_groups_name" in str(exc):
        return Conflict(f"a group named {name!r} exists")
    if "uq_routing_groups_default" in str(exc):
        return Conflict("another default group was set at the same time; try again")
    return None


async def create_group(sessions: Sessions, principal: Principal, data: GroupWrite, key: str | None) -> StoredResponse:
    m = principal.merchant_id

    async def work(session: AsyncSession) -> GroupRead:
        group_id = uuid.uuid4()
        is_default = data.is_default or not await repo.has_default_group(session, m)
        cleared = set(await repo.clear_default(session, m, group_id)) if is_default else set()
        await _insert_group(session, m, group_id, data.name, data.tier, is_default)
        await _write_group(session, m, group_id, data, cleared)
        return await _read_group(session, m, group_id)

    body = ("create_group", data.model_dump(mode="json"))
    return await retrying(lambda: run_once(sessions, principal, key, body, work, status_code=201))


async def _insert_group(
    session: AsyncSession, merchant_id: str, group_id: uuid.UUID, name: str, tier: int, is_default: bool
) -> None:
    try:
        async with session.begin_nested():
            await repo.insert_group(session, merchant_id, group_id, name, tier, is_default)
    except IntegrityError as exc:
        conflict = _group_conflict(exc, name)
        if conflict is not None:
            raise conflict from None
        raise


async def replace_group(sessions: Sessions, principal: Principal, group_id: uuid.UUID, data: GroupWrite) -> GroupRead:
    m = principal.merchant_id

    async def work() -> GroupRead:
        async with unit_of_work(sessions) as session:
            before = await repo.get_group(session, m, group_id)
            if before is None or not before.active:
                raise NotFound(f"group {group_id} not found")
            if before.is_default and not data.is_default:
                raise Conflict("a merchant keeps one default group: make another group the default instead")
            cleared = set(await repo.clear_default(session, m, group_id)) if data.is_default else set()
            try:
                async with session.begin_nested():
                    await repo.update_group(session, m, group_id, data.name, data.tier, data.is_default)
            except IntegrityError as exc:
                conflict = _group_conflict(exc, data.name)
                if conflict is not None:
                    raise conflict from None
                raise
            await _write_group(session, m, group_id, data, cleared)
            read = await _read_group(session, m, group_id)
            await session.commit()
            return read

    return await retrying(work)


async def deactivate_group(sessions: Sessions, principal: Principal, group_id: uuid.UUID) -> None:
    m = principal.merchant_id
    async with unit_of_work(sessions) as session:
        before = await repo.get_group(session, m, group_id)
        if before is None or not before.active:
            raise NotFound(f"group {group_id} not found")
        if before.is_default:
            raise Conflict("the default group cannot be removed: make another group the default first")
        if await repo.group_in_use_by_rules(session, m, group_id):
            raise Conflict("routing rules target this group: change or delete them first")
        members = await repo.members_of(session, m, group_id)
        await repo.deactivate_group(session, m, group_id)
        await configs.bump_config(session, m)
        await repo.bump_agents(session, m, members)
        await announce(session, m, members, [group_id])
        await session.commit()


async def get_group(sessions: Sessions, principal: Principal, group_id: uuid.UUID) -> GroupRead:
    async with unit_of_work(sessions) as session:
        return await _read_group(session, principal.merchant_id, group_id)


async def list_groups(sessions: Sessions, principal: Principal, limit: int, cursor: str | None) -> Page[GroupRead]:
    after = None
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != 2:
            raise Unprocessable("cursor is not valid", errors=[{"field": "query.cursor", "message": "invalid cursor"}])
        after = (str(values[0]), str(values[1]))
        if "\x00" in after[0] + after[1]:
            raise Unprocessable("cursor is not valid", errors=[{"field": "query.cursor", "message": "invalid cursor"}])
    async with unit_of_work(sessions) as session:
        rows = await repo.list_groups(session, principal.merchant_id, after, limit + 1)
        members = await repo.members_of_many(session, principal.merchant_id, [r.id for r in rows[:limit]])
    items = [GroupRead(**r._mapping, member_ids=members[r.id]) for r in rows[:limit]]
    next_cursor = encode_cursor(items[-1].name.lower(), str(items[-1].id)) if len(rows) > limit and items else None
    return Page(items=items, next_cursor=next_cursor)
