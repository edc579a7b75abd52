"""Routing rules: ordered, first match wins, no match goes to the merchant's default group. Pure."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from helpdesk_routing.domain.strategies import SkillNeed, Strategy


@dataclass(frozen=True)
class TicketFacts:
    """The ticket attributes rules match on."""

    priority: str
    category_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    escalation_level: int = 1


@dataclass(frozen=True)
class Conditions:
    """Every non-empty condition must hold; an empty one matches anything (a rule with none is a catch-all)."""

    category_ids: frozenset[uuid.UUID] = frozenset()
    priorities: frozenset[str] = frozenset()
    tags_any: frozenset[str] = frozenset()
    tags_all: frozenset[str] = frozenset()
    escalation_levels: frozenset[int] = frozenset()

    def matches(self, ticket: TicketFacts) -> bool:
        tags = set(ticket.tags)
        return (
            (not self.category_ids or ticket.category_id in self.category_ids)
            and (not self.priorities or ticket.priority in self.priorities)
            and (not self.tags_any or bool(self.tags_any & tags))
            and self.tags_all <= tags
            and (not self.escalation_levels or ticket.escalation_level in self.escalation_levels)
        )


@dataclass(frozen=True)
class Rule:
    id: uuid.UUID
    position: int
    group_id: uuid.UUID
    strategy: Strategy
    conditions: Conditions = field(default_factory=Conditions)
    required_skills: tuple[SkillNeed, ...] = ()


@dataclass(frozen=True)
class Route:
    """Where a ticket goes: a group (None when the merchant has no group: any agent), how, and why."""

    group_id: uuid.UUID | None
    strategy: Strategy
    required_skills: tuple[SkillNeed, ...] = ()
    min_tier: int = 1
    rule_id: uuid.UUID | None = None
    reason: str = "default group"


def choose_route(
    rules: Iterable[Rule],
    ticket: TicketFacts,
    *,
    default_group_id: uuid.UUID | None,
    default_strategy: Strategy,
    groups_by_tier: Mapping[int, Sequence[uuid.UUID]] | None = None,
) -> Route:
    """The first matching rule (by position) decides; else an escalated ticket goes to a group of its level's tier,
    else to the default group. An escalated ticket always needs an agent of at least its level's tier."""
    min_tier = max(1, min(ticket.escalation_level, 3))
    for rule in sorted(rules, key=lambda r: (r.position, r.id.int)):  # already ordered from storage: linear
        if rule.conditions.matches(ticket):
            return Route(rule.group_id, rule.strategy, rule.required_skills, min_tier, rule.id, f"rule {rule.id}")
    level_groups = (groups_by_tier or {}).get(min_tier, ())
    if min_tier > 1 and level_groups:
        return Route(level_groups[0], default_strategy, (), min_tier, None, f"tier {min_tier} group")
    return Route(default_group_id, default_strategy, (), min_tier, None, "default group")
