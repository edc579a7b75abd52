"""Use cases of preferences: read the effective matrix, set one's own, set the merchant's role defaults."""

from __future__ import annotations

from helpdesk_contracts import Role
from helpdesk_notify.domain import preferences as rules
from helpdesk_notify.preferences import repository
from helpdesk_notify.preferences.schemas import PreferenceRead, PreferencesRead, PreferencesWrite
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions


async def effective(sessions: Sessions, merchant_id: str, user_id: str | None, role: Role) -> PreferencesRead:
    """The matrix a user (or, without one, a role's merchant default) gets."""
    async with unit_of_work(sessions) as session:
        merchant, users = await repository.for_recipients(session, merchant_id, [user_id] if user_id else [])
    own = users.get(user_id, {}) if user_id else {}
    matrix = rules.matrix(role, merchant.get(role, {}), own)
    return PreferencesRead(
        role=role.value,
        preferences=[PreferenceRead(event_type=e, channel=c, enabled=on, source=src) for e, c, on, src in matrix],
    )


async def save(sessions: Sessions, merchant_id: str, scope: str, subject: str, body: PreferencesWrite) -> None:
    async with unit_of_work(sessions) as session:
        await repository.save(
            session, merchant_id, scope, subject, [(p.event_type, p.channel, p.enabled) for p in body.preferences]
        )
        await session.commit()
