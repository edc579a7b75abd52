"""Use cases for routing rules, the merchant's routing settings and the waiting-queue view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_routing.assignment import config as configs, repository as assignment_repo
from helpdesk_routing.directory import repository as directory
from helpdesk_routing.rules import repository as repo
from helpdesk_routing.rules.schemas import QueuedTicket, RoutingSettingsBody, RuleRead, RuleWrite
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import NotFound, Unprocessable
from helpdesk_servicekit.idempotency import StoredResponse, run_once
from helpdesk_servicekit.pagination import Page, decode_cursor, encode_cursor


def _read(row: Row[Any]) -> RuleRead:
    return RuleRead.model_validate(dict(row._mapping))


async def _values(session: AsyncSession, merchant_id: str, data: RuleWrite) -> dict[str, Any]:
    """The stored shape of a rule, checked against the merchant's groups (422 when it cannot work)."""
    if not await directory.existing_groups(session, merchant_id, [data.group_id]):
        message = f"group {data.group_id} not found"
        raise Unprocessable(message, errors=[{"field": "body.group_id", "message": message}])
    if data.required_skills and data.strategy != "skill_based":
        message = "required_skills apply only to the skill_based strategy"
        raise Unprocessable(message, errors=[{"field": "body.required_skills", "message": message}])
    values = data.model_dump(mode="json")
    values["conditions"]["tags_any"] = list(dict.fromkeys(values["conditions"]["tags_any"]))
    values["conditions"]["tags_all"] = list(dict.fromkeys(values["conditions"]["tags_all"]))
    values["group_id"] = data.group_id
    if values["position"] is None:
        values["position"] = await repo.next_position(session, merchant_id)
    return values


async def create_rule(sessions: Sessions, principal: Principal, data: RuleWrite, key: str | None) -> StoredResponse:
    async def work(session: AsyncSession) -> RuleRead:
        rule_id = uuid.uuid4()
        values = await _values(session, principal.merchant_id, data)
        await repo.insert_rule(session, principal.merchant_id, rule_id, values)
        await configs.bump_config(session, principal.merchant_id)
        row = await repo.get_rule(session, principal.merchant_id, rule_id)
        assert row is not None
        return _read(row)

    return await run_once(sessions, principal, key, ("create_rule", data.model_dump(mode="json")), work)


async def replace_rule(sessions: Sessions, principal: Principal, rule_id: uuid.UUID, data: RuleWrite) -> RuleRead:
    async with unit_of_work(sessions) as session:
        if await repo.get_rule(session, principal.merchant_id, rule_id) is None:
            raise NotFound(f"rule {rule_id} not found")
        values = await _values(session, principal.merchant_id, data)
        await repo.update_rule(session, principal.merchant_id, rule_id, values)
        await configs.bump_config(session, principal.merchant_id)
        row = await repo.get_rule(session, principal.merchant_id, rule_id)
        assert row is not None
        await session.commit()
        return _read(row)


async def delete_rule(sessions: Sessions, principal: Principal, rule_id: uuid.UUID) -> None:
    async with unit_of_work(sessions) as session:
        if not await repo.delete_rule(session, principal.merchant_id, rule_id):
            raise NotFound(f"rule {rule_id} not found")
        await configs.bump_config(session, principal.merchant_id)
        await session.commit()


async def get_rule(sessions: Sessions, principal: Principal, rule_id: uuid.UUID) -> RuleRead:
    async with unit_of_work(sessions) as session:
        row = await repo.get_rule(session, principal.merchant_id, rule_id)
    if row is None:
        raise NotFound(f"rule {rule_id} not found")
    return _read(row)


async def list_rules(sessions: Sessions, principal: Principal) -> list[RuleRead]:
    """Every rule in evaluation order (a merchant has tens, not thousands: no pagination)."""
    async with unit_of_work(sessions) as session:
        return [_read(r) for r in await repo.list_rules(session, principal.merchant_id)]


async def get_settings(sessions: Sessions, principal: Principal) -> RoutingSettingsBody:
    async with unit_of_work(sessions) as session:
        row = await repo.get_settings(session, principal.merchant_id)
    return RoutingSettingsBody(**row._mapping) if row is not None else RoutingSettingsBody()


async def put_settings(sessions: Sessions, principal: Principal, data: RoutingSettingsBody) -> RoutingSettingsBody:
    async with unit_of_work(sessions) as session:
        await repo.put_settings(session, principal.merchant_id, data.offline_policy, data.default_strategy)
        await configs.bump_config(session, principal.merchant_id)
        await session.commit()
    return data


async def waiting_queue(
    sessions: Sessions, principal: Principal, group_id: uuid.UUID | None, limit: int, cursor: str | None
) -> Page[QueuedTicket]:
    """Waiting tickets in the order they will be handed out: highest priority first, then oldest."""
    after = None
    if cursor:
        values = decode_cursor(cursor)
        try:
            rank = int(values[0])
            if not 0 <= rank <= 3:
                raise ValueError("priority rank out of range")
            after = (rank, datetime.fromisoformat(str(values[1])).isoformat(), str(uuid.UUID(str(values[2]))))
        except (IndexError, ValueError, TypeError, OverflowError):
            raise Unprocessable(
                "cursor is not valid", errors=[{"field": "query.cursor", "message": "invalid cursor"}]
            ) from None
    async with unit_of_work(sessions) as session:
        rows = await assignment_repo.queue(session, principal.merchant_id, group_id, after, limit + 1)
    items = [QueuedTicket.model_validate(dict(r._mapping)) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last.priority_rank, last.ticket_created_at.isoformat(), str(last.ticket_id))
    return Page(items=items, next_cursor=next_cursor)
