from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from helpdesk_contracts import Role
from helpdesk_notify.preferences import service
from helpdesk_notify.preferences.schemas import PreferencesRead, PreferencesWrite
from helpdesk_servicekit.auth import CurrentPrincipal, ManagerPrincipal
from helpdesk_servicekit.deps import SessionsDep

router = APIRouter(prefix="/v1/notifications/preferences", tags=["preferences"])

RoleQuery = Annotated[Literal["customer", "agent", "manager"], Query(description="whose merchant default")]


@router.get("", response_model=PreferencesRead)
async def my_preferences(principal: CurrentPrincipal, sessions: SessionsDep) -> PreferencesRead:
    """My effective setting per event type and channel, and where it comes from."""
    return await service.effective(sessions, principal.merchant_id, principal.user_id, principal.role)


@router.put("", response_model=PreferencesRead)
async def set_my_preferences(
    body: PreferencesWrite, principal: CurrentPrincipal, sessions: SessionsDep
) -> PreferencesRead:
    await service.save(sessions, principal.merchant_id, "user", principal.user_id, body)
    return await service.effective(sessions, principal.merchant_id, principal.user_id, principal.role)


@router.get("/defaults", response_model=PreferencesRead)
async def merchant_defaults(role: RoleQuery, principal: ManagerPrincipal, sessions: SessionsDep) -> PreferencesRead:
    """The merchant's default for a role (managers)."""
    return await service.effective(sessions, principal.merchant_id, None, Role(role))


@router.put("/defaults", response_model=PreferencesRead)
async def set_merchant_defaults(
    role: RoleQuery, body: PreferencesWrite, principal: ManagerPrincipal, sessions: SessionsDep
) -> PreferencesRead:
    await service.save(sessions, principal.merchant_id, "role", role, body)
    return await service.effective(sessions, principal.merchant_id, None, Role(role))
