"""The only place with queries for calendars and policies. A head row names the current version; versions are
immutable rows, so a clock can always be explained by the exact policy and calendar it was measured against."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

CALENDAR_FIELDS = ("name", "time_zone", "always_open", "weekly_hours", "holidays")
POLICY_FIELDS = (
    "name",
    "priority",
    "category_id",
    "tags",
    "position",
    "first_response_seconds",
    "next_response_seconds",
    "resolution_seconds",
    "warn_before_seconds",
    "warn_at_percent",
    "pause_statuses",
    "calendar_id",
    "escalation",
)
_JSON_FIELDS = frozenset({"weekly_hours", "holidays", "escalation"})

_CALENDAR_SELECT = (
    "SELECT h.id, h.current_version AS version, h.created_at, h.updated_at, v.name, v.time_zone, v.always_open,"
    " v.weekly_hours, v.holidays FROM sla_calendars h JOIN sla_calendar_versions v"
    " ON v.merchant_id = h.merchant_id AND v.calendar_id = h.id AND v.version = h.current_version"
)
_POLICY_COLUMNS = ", ".join(f"v.{name}" for name in POLICY_FIELDS)
_POLICY_SELECT = (
    f"SELECT h.id, v.version, h.active, h.created_at, v.created_at AS version_created_at, {_POLICY_COLUMNS}"
    " FROM sla_policies h JOIN sla_policy_versions v ON v.merchant_id = h.merchant_id AND v.policy_id = h.id"
)
_CURRENT = " AND v.version = h.current_version"


def _values(fields: Sequence[str], definition: dict[str, Any]) -> dict[str, Any]:
    return {name: json.dumps(definition[name]) if name in _JSON_FIELDS else definition[name] for name in fields}


def _insert_version_sql(table: str, key: str, fields: Sequence[str]) -> str:
    columns = ", ".join(fields)
    values = ", ".join(f"CAST(:{name} AS jsonb)" if name in _JSON_FIELDS else f":{name}" for name in fields)
    return (
        f"INSERT INTO {table} (merchant_id, {key}, version, {columns}, created_by)"
        f" VALUES (:merchant_id, :id, :version, {values}, :created_by)"
    )


_INSERT_CALENDAR_VERSION = _insert_version_sql("sla_calendar_versions", "calendar_id", CALENDAR_FIELDS)
_INSERT_POLICY_VERSION = _insert_version_sql("sla_policy_versions", "policy_id", POLICY_FIELDS)


async def _bump(session: AsyncSession, table: str, merchant_id: str, row_id: uuid.UUID) -> int | None:
    """Take the next version number of a head row (locking it until the transaction ends)."""
    return (
        await session.execute(
            text(
                f"UPDATE {table} SET current_version = current_version + 1, updated_at = now()"
                " WHERE merchant_id = :m AND id = :id RETURNING current_version"
            ),
            {"m": merchant_id, "id": row_id},
        )
    ).scalar_one_or_none()


@dataclass(frozen=True)
class _Versioned:
    """A resource whose every edit is a new row in its versions table."""

    table: str
    insert_version: str
    fields: tuple[str, ...]


_CALENDARS = _Versioned("sla_calendars", _INSERT_CALENDAR_VERSION, CALENDAR_FIELDS)
_POLICIES = _Versioned("sla_policies", _INSERT_POLICY_VERSION, POLICY_FIELDS)


async def _write_version(
    session: AsyncSession,
    kind: _Versioned,
    merchant_id: str,
    row_id: uuid.UUID,
    version: int,
    definition: dict[str, Any],
    created_by: str,
) -> None:
    await session.execute(
        text(kind.insert_version),
        {"merchant_id": merchant_id, "id": row_id, "version": version, "created_by": created_by}
        | _values(kind.fields, definition),
    )


async def _insert_first(
    session: AsyncSession,
    kind: _Versioned,
    merchant_id: str,
    row_id: uuid.UUID,
    definition: dict[str, Any],
    created_by: str,
) -> None:
    await session.execute(
        text(f"INSERT INTO {kind.table} (merchant_id, id, current_version) VALUES (:m, :id, 1)"),
        {"m": merchant_id, "id": row_id},
    )
    await _write_version(session, kind, merchant_id, row_id, 1, definition, created_by)


async def insert_calendar(
    session: AsyncSession, merchant_id: str, calendar_id: uuid.UUID, definition: dict[str, Any], created_by: str
) -> None:
    await _insert_first(session, _CALENDARS, merchant_id, calendar_id, definition, created_by)


async def add_calendar_version(
    session: AsyncSession, merchant_id: str, calendar_id: uuid.UUID, definition: dict[str, Any], created_by: str
) -> int | None:
    """Store a new current version; None when the merchant has no such calendar."""
    version = await _bump(session, "sla_calendars", merchant_id, calendar_id)
    if version is not None:
        await _write_version(session, _CALENDARS, merchant_id, calendar_id, version, definition, created_by)
    return version


async def get_calendar(session: AsyncSession, merchant_id: str, calendar_id: uuid.UUID) -> Row[Any] | None:
    return (
        await session.execute(
            text(_CALENDAR_SELECT + " WHERE h.merchant_id = :m AND h.id = :id"), {"m": merchant_id, "id": calendar_id}
        )
    ).first()


async def list_calendars(
    session: AsyncSession, merchant_id: str, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[Row[Any]]:
    """Newest first, keyset-paginated on (created_at, id)."""
    where, params = _after(after)
    return list(
        (
            await session.execute(
                text(
                    _CALENDAR_SELECT + f" WHERE h.merchant_id = :m{where}"
                    " ORDER BY h.created_at DESC, h.id DESC LIMIT :n"
                ),
                {"m": merchant_id, "n": limit} | params,
            )
        ).all()
    )


async def calendar_versions(session: AsyncSession, keys: Sequence[tuple[str, uuid.UUID, int]]) -> list[Row[Any]]:
    """The stored definitions of the given (merchant, calendar, version) keys."""
    if not keys:
        return []
    merchants, ids, versions = (list(column) for column in zip(*keys, strict=True))
    return list(
        (
            await session.execute(
                text(
                    "SELECT v.merchant_id, v.calendar_id, v.version, v.time_zone, v.always_open, v.weekly_hours,"
                    " v.holidays FROM sla_calendar_versions v"
                    " JOIN unnest(CAST(:m AS text[]), CAST(:c AS uuid[]), CAST(:v AS int[])) AS k(m, c, v)"
                    " ON v.merchant_id = k.m AND v.calendar_id = k.c AND v.version = k.v"
                ),
                {"m": merchants, "c": ids, "v": versions},
            )
        ).all()
    )


async def current_calendar_version(session: AsyncSession, merchant_id: str, calendar_id: uuid.UUID) -> int | None:
    return (
        await session.execute(
            text("SELECT current_version FROM sla_calendars WHERE merchant_id = :m AND id = :id"),
            {"m": merchant_id, "id": calendar_id},
        )
    ).scalar_one_or_none()


async def insert_policy(
    session: AsyncSession, merchant_id: str, policy_id: uuid.UUID, definition: dict[str, Any], created_by: str
) -> None:
    await _insert_first(session, _POLICIES, merchant_id, policy_id, definition, created_by)


async def add_policy_version(
    session: AsyncSession, merchant_id: str, policy_id: uuid.UUID, definition: dict[str, Any], created_by: str
) -> int | None:
    """Store a new current version (reactivating the policy); None when the merchant has no such policy."""
    version = await _bump(session, "sla_policies", merchant_id, policy_id)
    if version is not None:
        await session.execute(
            text("UPDATE sla_policies SET active = true WHERE merchant_id = :m AND id = :id"),
            {"m": merchant_id, "id": policy_id},
        )
        await _write_version(session, _POLICIES, merchant_id, policy_id, version, definition, created_by)
    return version


async def deactivate_policy(session: AsyncSession, merchant_id: str, policy_id: uuid.UUID) -> bool:
    result = await session.execute(
        text("UPDATE sla_policies SET active = false, updated_at = now() WHERE merchant_id = :m AND id = :id"),
        {"m": merchant_id, "id": policy_id},
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get_policy(
    session: AsyncSession, merchant_id: str, policy_id: uuid.UUID, version: int | None = None
) -> Row[Any] | None:
    """The current version, or the given one."""
    which = " AND v.version = :v" if version is not None else _CURRENT
    return (
        await session.execute(
            text(_POLICY_SELECT + f" WHERE h.merchant_id = :m AND h.id = :id{which}"),
            {"m": merchant_id, "id": policy_id} | ({"v": version} if version is not None else {}),
        )
    ).first()


async def list_policies(
    session: AsyncSession,
    merchant_id: str,
    *,
    include_inactive: bool,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """Current versions, newest policy first, keyset-paginated on (created_at, id)."""
    where, params = _after(after)
    active = "" if include_inactive else " AND h.active"
    return list(
        (
            await session.execute(
                text(
                    _POLICY_SELECT + f" WHERE h.merchant_id = :m{_CURRENT}{active}{where}"
                    " ORDER BY h.created_at DESC, h.id DESC LIMIT :n"
                ),
                {"m": merchant_id, "n": limit} | params,
            )
        ).all()
    )


async def list_policy_versions(session: AsyncSession, merchant_id: str, policy_id: uuid.UUID) -> list[Row[Any]]:
    """Every version of one policy, newest first."""
    return list(
        (
            await session.execute(
                text(_POLICY_SELECT + " WHERE h.merchant_id = :m AND h.id = :id ORDER BY v.version DESC"),
                {"m": merchant_id, "id": policy_id},
            )
        ).all()
    )


async def active_policies(session: AsyncSession, merchant_id: str) -> list[Row[Any]]:
    """The current version of every active policy of the merchant: the candidates for a ticket."""
    return list(
        (
            await session.execute(
                text(_POLICY_SELECT + f" WHERE h.merchant_id = :m{_CURRENT} AND h.active"), {"m": merchant_id}
            )
        ).all()
    )


async def policy_versions(session: AsyncSession, keys: Sequence[tuple[str, uuid.UUID, int]]) -> list[Row[Any]]:
    """The stored definitions of the given (merchant, policy, version) keys."""
    if not keys:
        return []
    merchants, ids, versions = (list(column) for column in zip(*keys, strict=True))
    return list(
        (
            await session.execute(
                text(
                    f"SELECT v.merchant_id, v.policy_id AS id, v.version, {_POLICY_COLUMNS} FROM sla_policy_versions v"
                    " JOIN unnest(CAST(:m AS text[]), CAST(:p AS uuid[]), CAST(:v AS int[])) AS k(m, p, v)"
                    " ON v.merchant_id = k.m AND v.policy_id = k.p AND v.version = k.v"
                ),
                {"m": merchants, "p": ids, "v": versions},
            )
        ).all()
    )


def _after(after: tuple[datetime, uuid.UUID] | None) -> tuple[str, dict[str, Any]]:
    if after is None:
        return "", {}
    return " AND (h.created_at, h.id) < (:after_at, :after_id)", {"after_at": after[0], "after_id": after[1]}
