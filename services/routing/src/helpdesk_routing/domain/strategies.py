"""Who should take a ticket: the three strategies as pure functions over candidate agents.

No I/O and no clock. Each strategy returns the qualifying agents best first; the caller tries them in that order
with an atomic "take one slot if still under the cap" update, so a ranking computed from a slightly stale view can
never overload anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Strategy = Literal["round_robin", "least_loaded", "skill_based"]
STRATEGIES: tuple[Strategy, ...] = ("round_robin", "least_loaded", "skill_based")
AVAILABLE_STATUS = "online"


@dataclass(frozen=True)
class SkillNeed:
    name: str
    min_level: int = 1


@dataclass(frozen=True)
class Candidate:
    """An agent as the strategies see it."""

    agent_id: str
    status: str
    load: int
    capacity: int
    tier: int = 1
    skills: Mapping[str, int] = field(default_factory=dict)
    last_assigned_at: datetime | None = None
    active: bool = True

    @property
    def available(self) -> bool:
        """Online, active and under the cap: the only agents any strategy may choose."""
        return self.active and self.status == AVAILABLE_STATUS and self.load < self.capacity

    @property
    def load_ratio(self) -> float:
        return self.load / self.capacity if self.capacity > 0 else float("inf")


@dataclass(frozen=True)
class Need:
    """What the ticket asks of its agent: skills at a minimum level, and a minimum tier (its escalation level)."""

    skills: tuple[SkillNeed, ...] = ()
    min_tier: int = 1


def qualifies(candidate: Candidate, need: Need) -> bool:
    return (
        candidate.available
        and candidate.tier >= need.min_tier
        and all(candidate.skills.get(skill.name, 0) >= skill.min_level for skill in need.skills)
    )


def skills_from_tags(tags: Iterable[str], members: Iterable[Candidate]) -> tuple[SkillNeed, ...]:
    """The ticket's tags that name a skill some member of the group has: each required at level 1 or better."""
    known = {name for member in members for name in member.skills}
    return tuple(SkillNeed(tag) for tag in dict.fromkeys(tags) if tag in known)


def need_for(
    strategy: Strategy,
    rule_skills: Sequence[SkillNeed],
    tags: Iterable[str],
    members: Sequence[Candidate],
    min_tier: int = 1,
) -> Need:
    """Skills are required only by `skill_based`: the rule's list, else the ticket's tags that are skill names."""
    if strategy != "skill_based":
        return Need(min_tier=min_tier)
    skills = tuple(rule_skills) or skills_from_tags(tags, members)
    return Need(skills=skills, min_tier=min_tier)


def _waited(candidate: Candidate) -> tuple[int, float]:
    """Sorts whoever waited longest since their last assignment first; never assigned counts as longest."""
    if candidate.last_assigned_at is None:
        return (0, 0.0)
    return (1, candidate.last_assigned_at.timestamp())


def rank(
    strategy: Strategy, candidates: Iterable[Candidate], need: Need, *, last_agent_id: str | None = None
) -> list[Candidate]:
    """The qualifying candidates, best first, for `strategy`.

    round_robin: in agent id order, starting after `last_agent_id` (the group's persisted cursor), wrapping round.
    least_loaded: lowest load/cap ratio; ties to whoever waited longest since their last assignment.
    skill_based: highest total level over the needed skills, then least loaded, then waited longest.
    """
    eligible = [c for c in candidates if qualifies(c, need)]
    if strategy == "round_robin":
        ordered = sorted(eligible, key=lambda c: c.agent_id)
        if last_agent_id is None:
            return ordered
        after = [c for c in ordered if c.agent_id > last_agent_id]
        return after + [c for c in ordered if c.agent_id <= last_agent_id]
    if strategy == "least_loaded":
        return sorted(eligible, key=lambda c: (c.load_ratio, _waited(c), c.agent_id))
    if strategy == "skill_based":

        def score(c: Candidate) -> int:
            return sum(c.skills.get(s.name, 0) for s in need.skills)

        return sorted(eligible, key=lambda c: (-score(c), c.load_ratio, _waited(c), c.agent_id))
    raise ValueError(f"unknown strategy {strategy!r}")
