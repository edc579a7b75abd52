"""Which channels a recipient gets an event on: their own choice, else the merchant's default for their role,
else the built-in default for their role. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from helpdesk_contracts import Role
from helpdesk_notify.domain.decisions import CUSTOMER_EVENT_TYPES, STAFF_EVENT_TYPES

Channel = Literal["in_app", "websocket", "email"]
CHANNELS: tuple[Channel, ...] = ("in_app", "websocket", "email")
Key = tuple[str, Channel]  # (event type, channel)

# Built-in defaults: everything on, except these (role → (event type, channel) off by default).
BUILT_IN_OFF: dict[Role, frozenset[Key]] = {
    Role.CUSTOMER: frozenset(),
    # Agents see warnings and reopenings live; email only for what needs action away from the screen.
    Role.AGENT: frozenset({("sla.warning", "email"), ("ticket.status_changed", "email")}),
    # Managers follow the queue live; a queued ticket by email for every one would be noise.
    Role.MANAGER: frozenset({("routing.ticket_queued", "email"), ("sla.warning", "email")}),
}

Source = Literal["user", "merchant", "default"]


def built_in(role: Role, event_type: str, channel: Channel) -> bool:
    return (event_type, channel) not in BUILT_IN_OFF[role]


def resolve(
    role: Role, event_type: str, channel: Channel, merchant: Mapping[Key, bool], user: Mapping[Key, bool]
) -> tuple[bool, Source]:
    """Whether the channel is on for this event type, and whose setting decided it."""
    key = (event_type, channel)
    if key in user:
        return user[key], "user"
    if key in merchant:
        return merchant[key], "merchant"
    return built_in(role, event_type, channel), "default"


def channels_for(
    role: Role, event_type: str, merchant: Mapping[Key, bool], user: Mapping[Key, bool]
) -> tuple[Channel, ...]:
    """The channels a recipient of `role` gets `event_type` on."""
    return tuple(c for c in CHANNELS if resolve(role, event_type, c, merchant, user)[0])


def matrix(
    role: Role, merchant: Mapping[Key, bool], user: Mapping[Key, bool]
) -> list[tuple[str, Channel, bool, Source]]:
    """Every (event type, channel) that can reach this role, with its effective setting, for the preferences page."""
    event_types = CUSTOMER_EVENT_TYPES if role is Role.CUSTOMER else STAFF_EVENT_TYPES
    return [
        (event_type, channel, *resolve(role, event_type, channel, merchant, user))
        for event_type in event_types
        for channel in CHANNELS
    ]
