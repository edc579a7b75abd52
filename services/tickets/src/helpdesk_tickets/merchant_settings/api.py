from __future__ import annotations

from fastapi import APIRouter

from helpdesk_servicekit.auth import ManagerPrincipal, StaffPrincipal
from helpdesk_tickets.deps import SessionsDep, Settings
from helpdesk_tickets.merchant_settings import service
from helpdesk_tickets.merchant_settings.schemas import MerchantSettingsRead, MerchantSettingsUpdate

router = APIRouter(prefix="/v1/tickets/settings", tags=["settings"])


@router.get("", response_model=MerchantSettingsRead)
async def get_settings(principal: StaffPrincipal, sessions: SessionsDep, settings: Settings) -> MerchantSettingsRead:
    """The merchant's effective ticket settings (defaults plus overrides)."""
    return await service.get_settings(sessions, principal, settings)


@router.put("", response_model=MerchantSettingsRead)
async def put_settings(
    data: MerchantSettingsUpdate, principal: ManagerPrincipal, sessions: SessionsDep, settings: Settings
) -> MerchantSettingsRead:
    """Set the merchant's overrides; a null field falls back to the service default."""
    return await service.put_settings(sessions, principal, data, settings)
