"""Queries over agents, groups and memberships (the only place they are written)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

AGENT_COLUMNS = (
    "user_id, name, email, locale, role, tier, skills, max_concurrent_tickets, status, active, load,"
    " last_assigned_at, status_changed_at, version, created_at, updated_at"
)
GROUP_COLUMNS = "id, name, tier, is_default, active, version, created_at, updated_at"


async def get_agent(session: AsyncSession, merchant_id: str, user_id: str, *, lock: bool = False) -> Row[Any] | None:
    suffix = " FOR UPDATE" if lock else ""
    result = await session.execute(
        text(f"SELECT {AGENT_COLUMNS} FROM routing_agents WHERE merchant_id = :m AND user_id = :u{suffix}"),
        {"m": merchant_id, "u": user_id},
    )
    return result.first()


async def insert_agent(session: AsyncSession, merchant_id: str, user_id: str, values: dict[str, Any]) -> bool:
    result = await session.execute(
        text(
            "INSERT INTO routing_agents (merchant_id, user_id, name, email, locale, role, tier, skills,"
            " max_concurrent_tickets, status, status_changed_at)"
            " VALUES (:m, :u, :name, :email, :locale, :role, :tier, CAST(:skills AS jsonb), :cap, :status, now())"
            " ON CONFLICT DO NOTHING RETURNING user_id"
        ),
        {"m": merchant_id, "u": user_id, **_agent_params(values)},
    )
    return result.first() is not None


async def update_agent(session: AsyncSession, merchant_id: str, user_id: str, values: dict[str, Any]) -> None:
    await session.execute(
        text(
            "UPDATE routing_agents SET name = :name, email = :email, locale = :locale, role = :role, tier = :tier,"
            " skills = CAST(:skills AS jsonb), max_concurrent_tickets = :cap, active = true,"
            " status_changed_at = CASE WHEN status <> :status THEN now() ELSE status_changed_at END,"
            " status = :status, version = version + 1, updated_at = now()"
            " WHERE merchant_id = :m AND user_id = :u"
        ),
        {"m": merchant_id, "u": user_id, **_agent_params(values)},
    )


def _agent_params(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": values["name"],
        "email": values["email"],
        "locale": values["locale"],
        "role": values["role"],
        "tier": values["tier"],
        "skills": json.dumps(values["skills"]),
        "cap": values["max_concurrent_tickets"],
        "status": values["status"],
    }


async def set_status(session: AsyncSession, merchant_id: str, user_id: str, status: str) -> Row[Any]:
    result = await session.execute(
        text(
            "UPDATE routing_agents SET status = :s, status_changed_at = now(), version = version + 1,"
            f" updated_at = now() WHERE merchant_id = :m AND user_id = :u RETURNING {AGENT_COLUMNS}"
        ),
        {"m": merchant_id, "u": user_id, "s": status},
    )
    return result.one()


async def deactivate_agent(session: AsyncSession, merchant_id: str, user_id: str) -> None:
    await session.execute(
        text(
            "UPDATE routing_agents SET active = false, status = 'offline', status_changed_at = now(),"
            " version = version + 1, updated_at = now() WHERE merchant_id = :m AND user_id = :u"
        ),
        {"m": merchant_id, "u": user_id},
    )


async def bump_agents(session: AsyncSession, merchant_id: str, user_ids: Sequence[str]) -> None:
    if user_ids:
        await session.execute(
            text(
                "UPDATE routing_agents SET version = version + 1, updated_at = now()"
                " WHERE merchant_id = :m AND user_id = ANY(:u)"
            ),
            {"m": merchant_id, "u": list(user_ids)},
        )


async def groups_of(session: AsyncSession, merchant_id: str, user_id: str) -> list[uuid.UUID]:
    result = await session.execute(
        text(
            "SELECT ms.group_id FROM routing_memberships ms JOIN routing_groups g"
            " ON g.merchant_id = ms.merchant_id AND g.id = ms.group_id AND g.active"
            " WHERE ms.merchant_id = :m AND ms.agent_id = :u ORDER BY ms.group_id"
        ),
        {"m": merchant_id, "u": user_id},
    )
    return [r[0] for r in result]


async def members_of(session: AsyncSession, merchant_id: str, group_id: uuid.UUID) -> list[str]:
    result = await session.execute(
        text(
            "SELECT ms.agent_id FROM routing_memberships ms JOIN routing_agents a"
            " ON a.merchant_id = ms.merchant_id AND a.user_id = ms.agent_id AND a.active"
            " WHERE ms.merchant_id = :m AND ms.group_id = :g ORDER BY ms.agent_id"
        ),
        {"m": merchant_id, "g": group_id},
    )
    return [r[0] for r in result]


async def set_agent_groups(
    session: AsyncSession, merchant_id: str, user_id: str, group_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Make the agent a member of exactly `group_ids`; returns the groups whose membership changed."""
    removed = await session.execute(
        text(
            "DELETE FROM routing_memberships WHERE merchant_id = :m AND agent_id = :u AND NOT (group_id = ANY(:g))"
            " RETURNING group_id"
        ),
        {"m": merchant_id, "u": user_id, "g": list(group_ids)},
    )
    added = await session.execute(
        text(
            "INSERT INTO routing_memberships (merchant_id, group_id, agent_id)"
            " SELECT :m, g, :u FROM unnest(CAST(:g AS uuid[])) AS g ON CONFLICT DO NOTHING RETURNING group_id"
        ),
        {"m": merchant_id, "u": user_id, "g": list(group_ids)},
    )
    return {r[0] for r in removed} | {r[0] for r in added}


async def set_group_members(
    session: AsyncSession, merchant_id: str, group_id: uuid.UUID, member_ids: Sequence[str]
) -> set[str]:
    """Make exactly `member_ids` members of the group; returns the agents whose membership changed."""
    removed = await session.execute(
        text(
            "DELETE FROM routing_memberships WHERE merchant_id = :m AND group_id = :g AND NOT (agent_id = ANY(:a))"
            " RETURNING agent_id"
        ),
        {"m": merchant_id, "g": group_id, "a": list(member_ids)},
    )
    added = await session.execute(
        text(
            "INSERT INTO routing_memberships (merchant_id, group_id, agent_id)"
            " SELECT :m, :g, a FROM unnest(CAST(:a AS text[])) AS a ON CONFLICT DO NOTHING RETURNING agent_id"
        ),
        {"m": merchant_id, "g": group_id, "a": list(member_ids)},
    )
    return {r[0] for r in removed} | {r[0] for r in added}


async def existing_groups(session: AsyncSession, merchant_id: str, group_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    result = await session.execute(
        text("SELECT id FROM routing_groups WHERE merchant_id = :m AND id = ANY(:g) AND active"),
        {"m": merchant_id, "g": list(group_ids)},
    )
    return {r[0] for r in result}


async def existing_agents(session: AsyncSession, merchant_id: str, user_ids: Sequence[str]) -> set[str]:
    result = await session.execute(
        text("SELECT user_id FROM routing_agents WHERE merchant_id = :m AND user_id = ANY(:u) AND active"),
        {"m": merchant_id, "u": list(user_ids)},
    )
    return {r[0] for r in result}


async def list_agents(
    session: AsyncSession,
    merchant_id: str,
    *,
    after: str | None,
    limit: int,
    visible_groups: Sequence[uuid.UUID] | None,
    self_id: str | None,
    group_id: uuid.UUID | None,
    status: str | None,
) -> list[Row[Any]]:
    """Active agents by user id; an agent caller sees themself and the members of their groups."""
    where = ["a.merchant_id = :m", "a.active"]
    params: dict[str, Any] = {"m": merchant_id, "limit": limit}
    if after is not None:
        where.append("a.user_id > :after")
        params["after"] = after
    if status is not None:
        where.append("a.status = :status")
        params["status"] = status
    if group_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM routing_memberships ms WHERE ms.merchant_id = a.merchant_id"
            " AND ms.agent_id = a.user_id AND ms.group_id = :gid)"
        )
        params["gid"] = group_id
    if visible_groups is not None:
        where.append(
            "(a.user_id = :self OR EXISTS (SELECT 1 FROM routing_memberships ms WHERE ms.merchant_id = a.merchant_id"
            " AND ms.agent_id = a.user_id AND ms.group_id = ANY(:vg)))"
        )
        params |= {"self": self_id, "vg": list(visible_groups)}
    result = await session.execute(
        text(
            f"SELECT {AGENT_COLUMNS} FROM routing_agents a WHERE {' AND '.join(where)}"
            " ORDER BY a.user_id LIMIT :limit"
        ),
        params,
    )
    return list(result)


async def groups_of_many(
    session: AsyncSession, merchant_id: str, user_ids: Sequence[str]
) -> dict[str, list[uuid.UUID]]:
    result = await session.execute(
        text(
            "SELECT ms.agent_id, ms.group_id FROM routing_memberships ms JOIN routing_groups g"
            " ON g.merchant_id = ms.merchant_id AND g.id = ms.group_id AND g.active"
            " WHERE ms.merchant_id = :m AND ms.agent_id = ANY(:u) ORDER BY ms.group_id"
        ),
        {"m": merchant_id, "u": list(user_ids)},
    )
    groups: dict[str, list[uuid.UUID]] = {u: [] for u in user_ids}
    for agent_id, group_id in result:
        groups[agent_id].append(group_id)
    return groups


async def get_group(session: AsyncSession, merchant_id: str, group_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(
        text(f"SELECT {GROUP_COLUMNS} FROM routing_groups WHERE merchant_id = :m AND id = :g"),
        {"m": merchant_id, "g": group_id},
    )
    return result.first()


async def has_default_group(session: AsyncSession, merchant_id: str) -> bool:
    result = await session.execute(
        text("SELECT 1 FROM routing_groups WHERE merchant_id = :m AND is_default AND active"), {"m": merchant_id}
    )
    return result.first() is not None


async def clear_default(session: AsyncSession, merchant_id: str, except_id: uuid.UUID) -> list[uuid.UUID]:
    result = await session.execute(
        text(
            "UPDATE routing_groups SET is_default = false, version = version + 1, updated_at = now()"
            " WHERE merchant_id = :m AND is_default AND id <> :g RETURNING id"
        ),
        {"m": merchant_id, "g": except_id},
    )
    return [r[0] for r in result]


async def insert_group(
    session: AsyncSession, merchant_id: str, group_id: uuid.UUID, name: str, tier: int, is_default: bool
) -> None:
    await session.execute(
        text(
            "INSERT INTO routing_groups (merchant_id, id, name, tier, is_default)"
            " VALUES (:m, :g, :name, :tier, :d)"
        ),
        {"m": merchant_id, "g": group_id, "name": name, "tier": tier, "d": is_default},
    )


async def update_group(
    session: AsyncSession, merchant_id: str, group_id: uuid.UUID, name: str, tier: int, is_default: bool
) -> None:
    await session.execute(
        text(
            "UPDATE routing_groups SET name = :name, tier = :tier, is_default = :d, version = version + 1,"
            " updated_at = now() WHERE merchant_id = :m AND id = :g"
        ),
        {"m": merchant_id, "g": group_id, "name": name, "tier": tier, "d": is_default},
    )


async def bump_groups(session: AsyncSession, merchant_id: str, group_ids: Sequence[uuid.UUID]) -> None:
    if group_ids:
        await session.execute(
            text(
                "UPDATE routing_groups SET version = version + 1, updated_at = now()"
                " WHERE merchant_id = :m AND id = ANY(:g)"
            ),
            {"m": merchant_id, "g": list(group_ids)},
        )


async def deactivate_group(session: AsyncSession, merchant_id: str, group_id: uuid.UUID) -> None:
    await session.execute(
        text(
            "UPDATE routing_groups SET active = false, is_default = false, version = version + 1, updated_at = now()"
            " WHERE merchant_id = :m AND id = :g"
        ),
        {"m": merchant_id, "g": group_id},
    )


async def group_in_use_by_rules(session: AsyncSession, merchant_id: str, group_id: uuid.UUID) -> bool:
    result = await session.execute(
        text("SELECT 1 FROM routing_rules WHERE merchant_id = :m AND group_id = :g AND active LIMIT 1"),
        {"m": merchant_id, "g": group_id},
    )
    return result.first() is not None


async def list_groups(
    session: AsyncSession, merchant_id: str, after: tuple[str, str] | None, limit: int
) -> list[Row[Any]]:
    """Active groups by name (case-insensitive), then id."""
    where, params = "merchant_id = :m AND active", {"m": merchant_id, "limit": limit}
    if after is not None:
        where += " AND (lower(name), id::text) > (:after_name, :after_id)"
        params |= {"after_name": after[0], "after_id": after[1]}
    result = await session.execute(
        text(f"SELECT {GROUP_COLUMNS} FROM routing_groups WHERE {where} ORDER BY lower(name), id::text LIMIT :limit"),
        params,
    )
    return list(result)


async def members_of_many(
    session: AsyncSession, merchant_id: str, group_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    result = await session.execute(
        text(
            "SELECT ms.group_id, ms.agent_id FROM routing_memberships ms JOIN routing_agents a"
            " ON a.merchant_id = ms.merchant_id AND a.user_id = ms.agent_id AND a.active"
            " WHERE ms.merchant_id = :m AND ms.group_id = ANY(:g) ORDER BY ms.agent_id"
        ),
        {"m": merchant_id, "g": list(group_ids)},
    )
    members: dict[uuid.UUID, list[str]] = {g: [] for g in group_ids}
    for group_id, agent_id in result:
        members[group_id].append(agent_id)
    return members
