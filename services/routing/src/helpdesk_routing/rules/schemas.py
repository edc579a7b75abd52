"""Request and response bodies for routing rules, routing settings and the waiting queue."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from helpdesk_contracts import Priority
from helpdesk_routing.domain.strategies import Strategy
from helpdesk_routing.text import Name, Tag


class RequiredSkill(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Tag
    min_level: int = Field(default=1, ge=1, le=5)


class RuleConditions(BaseModel):
    """Every non-empty list must match; none at all makes a catch-all rule."""

    model_config = ConfigDict(extra="forbid")

    category_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    priorities: list[Priority] = Field(default_factory=list, max_length=4)
    tags_any: list[Tag] = Field(default_factory=list, max_length=50)
    tags_all: list[Tag] = Field(default_factory=list, max_length=50)
    escalation_levels: list[int] = Field(default_factory=list, max_length=3)

    @field_validator("escalation_levels")
    @classmethod
    def _levels(cls, levels: list[int]) -> list[int]:
        if any(level not in (1, 2, 3) for level in levels):
            raise ValueError("escalation levels are 1, 2 or 3")
        return sorted(set(levels))


class RuleWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    position: int | None = Field(default=None, ge=0, le=1_000_000, description="lower first; default: last")
    conditions: RuleConditions = Field(default_factory=RuleConditions)
    group_id: uuid.UUID
    strategy: Strategy
    required_skills: list[RequiredSkill] = Field(default_factory=list, max_length=20)
    active: bool = True

    @field_validator("required_skills")
    @classmethod
    def _unique(cls, skills: list[RequiredSkill]) -> list[RequiredSkill]:
        if len({s.name for s in skills}) != len(skills):
            raise ValueError("each skill may be listed once")
        return skills


class RuleRead(BaseModel):
    id: uuid.UUID
    name: str
    position: int
    conditions: RuleConditions
    group_id: uuid.UUID
    strategy: Strategy
    required_skills: list[RequiredSkill]
    active: bool
    created_at: datetime
    updated_at: datetime


class RoutingSettingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offline_policy: Literal["keep", "requeue"] = "keep"
    default_strategy: Strategy = "least_loaded"


class QueuedTicket(BaseModel):
    ticket_id: uuid.UUID
    priority: str
    group_id: uuid.UUID | None
    escalation_level: int
    min_tier: int
    required_skills: list[RequiredSkill]
    queued_at: datetime
    ticket_created_at: datetime


class ReconcileResult(BaseModel):
    agents_checked: int
    agents_corrected: int
