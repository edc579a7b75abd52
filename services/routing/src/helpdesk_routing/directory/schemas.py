"""Request and response bodies for agents and groups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from helpdesk_contracts.routing import AgentStatus
from helpdesk_routing.text import Email, Locale, Name, Tag, UserId


class Skill(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Tag
    level: int = Field(ge=1, le=5)


class AgentWrite(BaseModel):
    """An agent's whole editable state (PUT replaces it)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email | None = None
    locale: Locale | None = None
    role: Literal["agent", "manager"] = "agent"
    tier: int = Field(default=1, ge=1, le=3)
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    group_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    max_concurrent_tickets: int = Field(default=5, ge=0, le=1000)
    status: AgentStatus | None = None

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, skills: list[Skill]) -> list[Skill]:
        names = [s.name for s in skills]
        if len(names) != len(set(names)):
            raise ValueError("each skill may be listed once")
        return skills


class AgentCreate(AgentWrite):
    user_id: UserId


class AgentRead(BaseModel):
    user_id: str
    name: str
    email: str | None
    locale: str | None
    role: str
    tier: int
    skills: list[Skill]
    group_ids: list[uuid.UUID]
    max_concurrent_tickets: int
    status: AgentStatus
    active: bool
    load: int
    last_assigned_at: datetime | None
    status_changed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class StatusWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AgentStatus


class GroupWrite(BaseModel):
    """A group's whole editable state; `member_ids`, when given, replaces the membership."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    tier: int = Field(default=1, ge=1, le=3)
    is_default: bool = False
    member_ids: list[UserId] | None = Field(default=None, max_length=1000)


class GroupRead(BaseModel):
    id: uuid.UUID
    name: str
    tier: int
    is_default: bool
    active: bool
    member_ids: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
