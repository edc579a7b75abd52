from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from helpdesk_notify.domain.decisions import NOTIFYING_EVENT_TYPES

EventTypeName = Literal[NOTIFYING_EVENT_TYPES]  # type: ignore[valid-type]
ChannelName = Literal["in_app", "websocket", "email"]


class PreferenceRead(BaseModel):
    event_type: str
    channel: ChannelName
    enabled: bool
    source: Literal["user", "merchant", "default"]


class PreferencesRead(BaseModel):
    role: Literal["customer", "agent", "manager"]
    preferences: list[PreferenceRead]


class PreferenceWrite(BaseModel):
    event_type: EventTypeName
    channel: ChannelName
    enabled: bool | None = Field(description="on, off, or null to fall back to the default")


class PreferencesWrite(BaseModel):
    preferences: list[PreferenceWrite] = Field(max_length=200)
