"""Queries over routing rules and routing settings."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

RULE_COLUMNS = "id, name, position, conditions, group_id, strategy, required_skills, active, created_at, updated_at"


def _params(merchant_id: str, rule_id: uuid.UUID, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "m": merchant_id,
        "id": rule_id,
        "name": values["name"],
        "position": values["position"],
        "conditions": json.dumps(values["conditions"]),
        "group": values["group_id"],
        "strategy": values["strategy"],
        "skills": json.dumps(values["required_skills"]),
        "active": values["active"],
    }


async def next_position(session: AsyncSession, merchant_id: str) -> int:
    result = await session.execute(
        text("SELECT coalesce(max(position) + 10, 10) FROM routing_rules WHERE merchant_id = :m"), {"m": merchant_id}
    )
    return int(result.scalar_one())


async def insert_rule(session: AsyncSession, merchant_id: str, rule_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(
        text(
            "INSERT INTO routing_rules (merchant_id, id, name, position, conditions, group_id, strategy,"
            " required_skills, active) VALUES (:m, :id, :name, :position, CAST(:conditions AS jsonb), :group,"
            " :strategy, CAST(:skills AS jsonb), :active)"
        ),
        _params(merchant_id, rule_id, values),
    )


async def update_rule(session: AsyncSession, merchant_id: str, rule_id: uuid.UUID, values: dict[str, Any]) -> bool:
    result = await session.execute(
        text(
            "UPDATE routing_rules SET name = :name, position = :position, conditions = CAST(:conditions AS jsonb),"
            " group_id = :group, strategy = :strategy, required_skills = CAST(:skills AS jsonb), active = :active,"
            " updated_at = now() WHERE merchant_id = :m AND id = :id RETURNING id"
        ),
        _params(merchant_id, rule_id, values),
    )
    return result.first() is not None


async def get_rule(session: AsyncSession, merchant_id: str, rule_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(
        text(f"SELECT {RULE_COLUMNS} FROM routing_rules WHERE merchant_id = :m AND id = :id"),
        {"m": merchant_id, "id": rule_id},
    )
    return result.first()


async def delete_rule(session: AsyncSession, merchant_id: str, rule_id: uuid.UUID) -> bool:
    result = await session.execute(
        text("DELETE FROM routing_rules WHERE merchant_id = :m AND id = :id RETURNING id"),
        {"m": merchant_id, "id": rule_id},
    )
    return result.first() is not None


async def list_rules(session: AsyncSession, merchant_id: str) -> list[Row[Any]]:
    result = await session.execute(
        text(f"SELECT {RULE_COLUMNS} FROM routing_rules WHERE merchant_id = :m ORDER BY position, id"),
        {"m": merchant_id},
    )
    return list(result)


async def get_settings(session: AsyncSession, merchant_id: str) -> Row[Any] | None:
    result = await session.execute(
        text("SELECT offline_policy, default_strategy FROM routing_settings WHERE merchant_id = :m"),
        {"m": merchant_id},
    )
    return result.first()


async def put_settings(session: AsyncSession, merchant_id: str, offline_policy: str, default_strategy: str) -> None:
    await session.execute(
        text(
            "INSERT INTO routing_settings (merchant_id, offline_policy, default_strategy) VALUES (:m, :o, :s)"
            " ON CONFLICT (merchant_id) DO UPDATE SET offline_policy = EXCLUDED.offline_policy,"
            " default_strategy = EXCLUDED.default_strategy, updated_at = now()"
        ),
        {"m": merchant_id, "o": offline_policy, "s": default_strategy},
    )
