"""Keeping the agent directory from routing's `agent.upserted`, and reading it."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts.routing import AgentUpserted
from helpdesk_tickets.agents import repository
from helpdesk_tickets.problems import field_error

log = logging.getLogger(__name__)


async def apply_agent_upserted(session: AsyncSession, merchant_id: str, agent: AgentUpserted) -> bool:
    """Record the agent's current entry; an older version than the one known changes nothing."""
    written = await repository.upsert_if_newer(
        session,
        {
            "merchant_id": merchant_id,
            "agent_id": agent.agent_id,
            "name": agent.name,
            "email": agent.email,
            "locale": agent.locale,
            "role": agent.role.value,
            "tier": agent.tier,
            "group_ids": agent.group_ids,
            "active": agent.active,
            "version": agent.version,
        },
    )
    if not written:
        log.info("agent %s v%d is not newer than the directory's; ignored", agent.agent_id, agent.version)
    return written


async def ensure_assignable(session: AsyncSession, merchant_id: str, agent_id: str) -> None:
    """A manual assignee must be an active agent of the merchant's directory (422 naming `agent_id` otherwise)."""
    agent = await repository.get(session, merchant_id, agent_id)
    if agent is None:
        raise field_error("body.agent_id", f"no agent {agent_id!r} in this merchant's directory")
    if not agent.active:
        raise field_error("body.agent_id", f"agent {agent_id!r} is deactivated")
