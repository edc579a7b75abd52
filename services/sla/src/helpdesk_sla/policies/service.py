"""Use cases for calendars and policies: validate with the domain, store a new version, optionally re-plan."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import normalize_tags
from helpdesk_servicekit import idempotency
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import NotFound, Unprocessable
from helpdesk_servicekit.pagination import Page, decode_cursor, encode_cursor
from helpdesk_sla.clocks import service as clocks
from helpdesk_sla.domain import CalendarError, PolicyError
from helpdesk_sla.policies import repository
from helpdesk_sla.policies.mapping import calendar_problem, policy_problem, to_calendar, to_policy
from helpdesk_sla.policies.schemas import CalendarRead, CalendarWrite, PolicyRead, PolicyWrite, ReplanResult


def calendar_definition(data: CalendarWrite) -> dict[str, Any]:
    """The stored shape of a calendar, checked by the domain (422 when malformed)."""
    definition = data.model_dump(mode="json")
    try:
        ZoneInfo(data.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {data.time_zone!r}"
        raise Unprocessable(message, errors=[{"field": "body.time_zone", "message": message}]) from None
    if not data.always_open and not data.weekly_hours:
        message = "a calendar needs weekly hours unless it is always open"
        raise Unprocessable(message, errors=[{"field": "body.weekly_hours", "message": message}])
    try:
        to_calendar(data.time_zone, data.always_open, definition["weekly_hours"], definition["holidays"])
    except CalendarError as exc:
        raise calendar_problem(exc) from None
    return definition


async def policy_definition(session: AsyncSession, merchant_id: str, data: PolicyWrite) -> dict[str, Any]:
    """The stored shape of a policy, checked by the domain and against the merchant's calendars."""
    definition = data.model_dump(mode="python", exclude={"escalation"})
    definition |= {
        "priority": data.priority.value,
        "tags": normalize_tags(data.tags),
        "pause_statuses": list(dict.fromkeys(data.pause_statuses)),
        "escalation": [step.model_dump(mode="json") for step in data.escalation],
    }
    try:
        to_policy(uuid.uuid4(), 1, definition)
    except PolicyError as exc:
        raise policy_problem(exc) from None
    if data.calendar_id is not None and await repository.get_calendar(session, merchant_id, data.calendar_id) is None:
        message = f"calendar {data.calendar_id} not found"
        raise Unprocessable(message, errors=[{"field": "body.calendar_id", "message": message}])
    return definition


async def create_calendar(
    sessions: Sessions, principal: Principal, data: CalendarWrite, idempotency_key: str | None = None
) -> tuple[int, dict[str, Any]]:
    definition = calendar_definition(data)
    async with unit_of_work(sessions) as session:
        if idempotency_key:
            fingerprint = idempotency.fingerprint("create_calendar", definition)
            stored = await idempotency.reserve(
                session, principal.merchant_id, principal.user_id, idempotency_key, fingerprint
            )
            if stored is not None:
                return stored.status_code, stored.body
        calendar_id = uuid.uuid4()
        await repository.insert_calendar(session, principal.merchant_id, calendar_id, definition, principal.user_id)
        body = (await _calendar(session, principal, calendar_id)).model_dump(mode="json")
        if idempotency_key:
            await idempotency.remember(session, principal.merchant_id, principal.user_id, idempotency_key, 201, body)
        await session.commit()
    return 201, body


async def replace_calendar(
    sessions: Sessions, principal: Principal, calendar_id: uuid.UUID, data: CalendarWrite, *, replan: bool
) -> CalendarRead:
    """Store a new version; running clocks keep theirs unless `replan`."""
    definition = calendar_definition(data)
    async with unit_of_work(sessions) as session:
        version = await repository.add_calendar_version(
            session, principal.merchant_id, calendar_id, definition, principal.user_id
        )
        if version is None:
            raise NotFound(f"calendar {calendar_id} not found")
        read = await _calendar(session, principal, calendar_id)
        await session.commit()
    if replan:
        await clocks.replan(sessions, principal.merchant_id, calendar_id=calendar_id)
    return read


async def get_calendar(sessions: Sessions, principal: Principal, calendar_id: uuid.UUID) -> CalendarRead:
    async with unit_of_work(sessions) as session:
        return await _calendar(session, principal, calendar_id)


async def list_calendars(
    sessions: Sessions, principal: Principal, limit: int, cursor: str | None
) -> Page[CalendarRead]:
    async with unit_of_work(sessions) as session:
        rows = await repository.list_calendars(session, principal.merchant_id, _after(cursor), limit + 1)
    items = [CalendarRead.model_validate(dict(row._mapping)) for row in rows[:limit]]
    return Page(items=items, next_cursor=_next_cursor(items, len(rows) > limit))


async def replan_calendar(sessions: Sessions, principal: Principal, calendar_id: uuid.UUID) -> ReplanResult:
    """Move running clocks counting in this calendar to its current version."""
    await get_calendar(sessions, principal, calendar_id)
    return ReplanResult(replanned_tickets=await clocks.replan(sessions, principal.merchant_id, calendar_id=calendar_id))


async def create_policy(
    sessions: Sessions, principal: Principal, data: PolicyWrite, idempotency_key: str | None = None
) -> tuple[int, dict[str, Any]]:
    async with unit_of_work(sessions) as session:
        definition = await policy_definition(session, principal.merchant_id, data)
        if idempotency_key:
            fingerprint = idempotency.fingerprint("create_policy", data.model_dump(mode="json"))
            stored = await idempotency.reserve(
                session, principal.merchant_id, principal.user_id, idempotency_key, fingerprint
            )
            if stored is not None:
                return stored.status_code, stored.body
        policy_id = uuid.uuid4()
        await repository.insert_policy(session, principal.merchant_id, policy_id, definition, principal.user_id)
        body = (await _policy(session, principal, policy_id)).model_dump(mode="json")
        if idempotency_key:
            await idempotency.remember(session, principal.merchant_id, principal.user_id, idempotency_key, 201, body)
        await session.commit()
    return 201, body


async def replace_policy(
    sessions: Sessions, principal: Principal, policy_id: uuid.UUID, data: PolicyWrite, *, replan: bool
) -> PolicyRead:
    """Store a new version; new tickets use it at once, running clocks keep theirs unless `replan`."""
    async with unit_of_work(sessions) as session:
        if await repository.get_policy(session, principal.merchant_id, policy_id) is None:
            raise NotFound(f"policy {policy_id} not found")
        definition = await policy_definition(session, principal.merchant_id, data)
        await repository.add_policy_version(session, principal.merchant_id, policy_id, definition, principal.user_id)
        read = await _policy(session, principal, policy_id)
        await session.commit()
    if replan:
        await clocks.replan(sessions, principal.merchant_id, policy_id=policy_id)
    return read


async def deactivate_policy(sessions: Sessions, principal: Principal, policy_id: uuid.UUID) -> None:
    """New tickets no longer match the policy; clocks already running under it carry on."""
    async with unit_of_work(sessions) as session:
        if not await repository.deactivate_policy(session, principal.merchant_id, policy_id):
            raise NotFound(f"policy {policy_id} not found")
        await session.commit()


async def replan_policy(sessions: Sessions, principal: Principal, policy_id: uuid.UUID) -> ReplanResult:
    """Move running clocks under any version of this policy to its current version."""
    await get_policy(sessions, principal, policy_id)
    return ReplanResult(replanned_tickets=await clocks.replan(sessions, principal.merchant_id, policy_id=policy_id))


async def get_policy(
    sessions: Sessions, principal: Principal, policy_id: uuid.UUID, version: int | None = None
) -> PolicyRead:
    async with unit_of_work(sessions) as session:
        return await _policy(session, principal, policy_id, version)


async def list_policies(
    sessions: Sessions, principal: Principal, *, include_inactive: bool, limit: int, cursor: str | None
) -> Page[PolicyRead]:
    async with unit_of_work(sessions) as session:
        rows = await repository.list_policies(
            session, principal.merchant_id, include_inactive=include_inactive, after=_after(cursor), limit=limit + 1
        )
    items = [PolicyRead.model_validate(dict(row._mapping)) for row in rows[:limit]]
    return Page(items=items, next_cursor=_next_cursor(items, len(rows) > limit))


async def list_policy_versions(sessions: Sessions, principal: Principal, policy_id: uuid.UUID) -> list[PolicyRead]:
    async with unit_of_work(sessions) as session:
        rows = await repository.list_policy_versions(session, principal.merchant_id, policy_id)
    if not rows:
        raise NotFound(f"policy {policy_id} not found")
    return [PolicyRead.model_validate(dict(row._mapping)) for row in rows]


async def _calendar(session: AsyncSession, principal: Principal, calendar_id: uuid.UUID) -> CalendarRead:
    row = await repository.get_calendar(session, principal.merchant_id, calendar_id)
    if row is None:
        raise NotFound(f"calendar {calendar_id} not found")
    return CalendarRead.model_validate(dict(row._mapping))


async def _policy(
    session: AsyncSession, principal: Principal, policy_id: uuid.UUID, version: int | None = None
) -> PolicyRead:
    row = await repository.get_policy(session, principal.merchant_id, policy_id, version)
    if row is None:
        raise NotFound(f"policy {policy_id}" + (f" version {version}" if version else "") + " not found")
    return PolicyRead.model_validate(dict(row._mapping))


def _after(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    values = decode_cursor(cursor)
    try:
        return datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except (IndexError, TypeError, ValueError):
        raise Unprocessable(
            "cursor is not valid", errors=[{"field": "query.cursor", "message": "invalid cursor"}]
        ) from None


def _next_cursor(items: list[Any], more: bool) -> str | None:
    return encode_cursor(items[-1].created_at.isoformat(), str(items[-1].id)) if more and items else None
