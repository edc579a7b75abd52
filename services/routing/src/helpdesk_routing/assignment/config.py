"""The merchant's routing configuration (settings, active rules, active groups), parsed once and cached per
process while its version is unchanged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_routing.domain.rules import Conditions, Rule
from helpdesk_routing.domain.strategies import SkillNeed, Strategy

CONFIG_VERSION = "coalesce((SELECT version FROM routing_config_versions WHERE merchant_id = :m), 0)"
_CONFIG_VERSION = CONFIG_VERSION


@dataclass(frozen=True)
class RoutingConfig:
    offline_policy: str
    default_strategy: Strategy
    rules: list[Rule]
    default_group_id: uuid.UUID | None
    groups_by_tier: dict[int, list[uuid.UUID]]
    version: int = 0


# Parsed configurations by merchant, each valid while the merchant's configuration version is unchanged: every
# change to rules, groups or settings bumps the version in its own transaction, so a decision that read version v
# in its transaction uses exactly the configuration of v, whichever replica cached it.
_CONFIGS: dict[str, RoutingConfig] = {}
_CONFIGS_MAX = 10_000


async def bump_config(session: AsyncSession, merchant_id: str) -> None:
    await session.execute(
        text(
            "INSERT INTO routing_config_versions (merchant_id) VALUES (:m)"
            " ON CONFLICT (merchant_id) DO UPDATE SET version = routing_config_versions.version + 1"
        ),
        {"m": merchant_id},
    )


async def config_version(session: AsyncSession, merchant_id: str) -> int:
    result = await session.execute(text(f"SELECT {_CONFIG_VERSION}"), {"m": merchant_id})
    return int(result.scalar_one())


async def routing_config(session: AsyncSession, merchant_id: str, version: int | None = None) -> RoutingConfig:
    """The merchant's settings, active rules and active groups: from the cache when `version` is current."""
    cached = _CONFIGS.get(merchant_id)
    if cached is not None and version is not None and cached.version == version:
        return cached
    config = await _load_config(session, merchant_id)
    if len(_CONFIGS) >= _CONFIGS_MAX:
        _CONFIGS.pop(next(iter(_CONFIGS)))
    _CONFIGS[merchant_id] = config
    return config


async def _load_config(session: AsyncSession, merchant_id: str) -> RoutingConfig:
    """Settings, active rules, active groups and their version in one round trip."""
    result = await session.execute(
        text(
            "SELECT (SELECT json_build_object('offline_policy', offline_policy, 'default_strategy', default_strategy)"
            "   FROM routing_settings WHERE merchant_id = :m) AS settings,"
            " (SELECT coalesce(json_agg(json_build_object('id', id, 'position', position, 'group_id', group_id,"
            "   'strategy', strategy, 'conditions', conditions, 'required_skills', required_skills)"
            "   ORDER BY position, id), '[]') FROM routing_rules WHERE merchant_id = :m AND active) AS rules,"
            " (SELECT coalesce(json_agg(json_build_object('id', id, 'tier', tier, 'is_default', is_default)"
            "   ORDER BY lower(name), id), '[]') FROM routing_groups WHERE merchant_id = :m AND active) AS groups,"
            f" {_CONFIG_VERSION} AS version"
        ),
        {"m": merchant_id},
    )
    settings, rules, groups, version = result.one()
    settings = settings or {"offline_policy": "keep", "default_strategy": "least_loaded"}
    by_tier: dict[int, list[uuid.UUID]] = {}
    default_group = None
    for g in groups:
        by_tier.setdefault(g["tier"], []).append(uuid.UUID(g["id"]))
        if g["is_default"]:
            default_group = uuid.UUID(g["id"])
    return RoutingConfig(
        offline_policy=settings["offline_policy"],
        default_strategy=settings["default_strategy"],
        rules=[to_rule(r) for r in rules],
        default_group_id=default_group,
        groups_by_tier=by_tier,
        version=int(version),
    )


def to_rule(r: dict[str, Any]) -> Rule:
    c = r["conditions"] or {}
    return Rule(
        id=uuid.UUID(str(r["id"])),
        position=r["position"],
        group_id=uuid.UUID(str(r["group_id"])),
        strategy=r["strategy"],
        conditions=Conditions(
            category_ids=frozenset(uuid.UUID(x) for x in c.get("category_ids", [])),
            priorities=frozenset(c.get("priorities", [])),
            tags_any=frozenset(c.get("tags_any", [])),
            tags_all=frozenset(c.get("tags_all", [])),
            escalation_levels=frozenset(c.get("escalation_levels", [])),
        ),
        required_skills=tuple(SkillNeed(s["name"], s["min_level"]) for s in r["required_skills"] or []),
    )


