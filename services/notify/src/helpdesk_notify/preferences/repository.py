"""Queries of preferences: a user's own ("user" scope) and the merchant's defaults per role ("role" scope)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Role
from helpdesk_notify.domain.preferences import Key

Settings = dict[Key, bool]


async def for_recipients(
    session: AsyncSession, merchant_id: str, user_ids: Iterable[str]
) -> tuple[dict[Role, Settings], dict[str, Settings]]:
    """The merchant's role defaults and each listed user's own settings, in one query."""
    rows = await session.execute(
        text(
            "SELECT scope, subject, event_type, channel, enabled FROM notify_preferences WHERE merchant_id = :m"
            " AND (scope = 'role' OR (scope = 'user' AND subject = ANY(:ids)))"
        ),
        {"m": merchant_id, "ids": list(user_ids)},
    )
    merchant: dict[Role, Settings] = {}
    users: dict[str, Settings] = {}
    for scope, subject, event_type, channel, enabled in rows:
        if scope == "role":
            merchant.setdefault(Role(subject), {})[(event_type, channel)] = enabled
        else:
            users.setdefault(subject, {})[(event_type, channel)] = enabled
    return merchant, users


async def save(
    session: AsyncSession, merchant_id: str, scope: str, subject: str, settings: Iterable[tuple[str, str, bool | None]]
) -> None:
    """Set each (event type, channel); `None` removes the setting so the next level's default applies."""
    for event_type, channel, enabled in settings:
        if enabled is None:
            await session.execute(
                text(
                    "DELETE FROM notify_preferences WHERE merchant_id = :m AND scope = :s AND subject = :sub"
                    " AND event_type = :e AND channel = :c"
                ),
                {"m": merchant_id, "s": scope, "sub": subject, "e": event_type, "c": channel},
            )
        else:
            await session.execute(
                text(
                    "INSERT INTO notify_preferences (merchant_id, scope, subject, event_type, channel, enabled)"
                    " VALUES (:m, :s, :sub, :e, :c, :on) ON CONFLICT (merchant_id, scope, subject, event_type, channel)"
                    " DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = now()"
                ),
                {"m": merchant_id, "s": scope, "sub": subject, "e": event_type, "c": channel, "on": enabled},
            )
