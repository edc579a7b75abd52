"""Queries on the agent directory projection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_tickets.models import Agent

# Last `version` wins: an older upsert delivered late changes nothing.
_UPSERT = text(
    """
    INSERT INTO agents (merchant_id, agent_id, name, email, locale, role, tier, group_ids, active, version, updated_at)
    VALUES (:merchant_id, :agent_id, :name, :email, :locale, :role, :tier, CAST(:group_ids AS text[]), :active,
            :version, now())
    ON CONFLICT (merchant_id, agent_id) DO UPDATE SET
        name = EXCLUDED.name, email = EXCLUDED.email, locale = EXCLUDED.locale, role = EXCLUDED.role,
        tier = EXCLUDED.tier, group_ids = EXCLUDED.group_ids, active = EXCLUDED.active,
        version = EXCLUDED.version, updated_at = now()
    WHERE agents.version < EXCLUDED.version
    """
)

_SCOPE = text(
    """
    SELECT coalesce((SELECT agents_see_all_tickets FROM merchant_settings WHERE merchant_id = :m), :default) AS see_all,
           coalesce((SELECT group_ids FROM agents WHERE merchant_id = :m AND agent_id = :a), '{}') AS group_ids
    """
)


async def upsert_if_newer(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Write the agent's entry unless a newer version is already known; True when it was written."""
    result = await session.execute(_UPSERT, row)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get(session: AsyncSession, merchant_id: str, agent_id: str) -> Agent | None:
    query = select(Agent).where(Agent.merchant_id == merchant_id, Agent.agent_id == agent_id)
    return (await session.execute(query)).scalar_one_or_none()


async def agent_scope(session: AsyncSession, merchant_id: str, agent_id: str, default: bool) -> tuple[bool, list[str]]:
    """Whether the merchant lets agents see every ticket, and the agent's groups (one round trip)."""
    row = (await session.execute(_SCOPE, {"m": merchant_id, "a": agent_id, "default": default})).one()
    return bool(row.see_all), list(row.group_ids)
