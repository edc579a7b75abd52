from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_tickets.models import MerchantSettingsOverrides


async def get(session: AsyncSession, merchant_id: str, *, for_update: bool = False) -> MerchantSettingsOverrides | None:
    query = select(MerchantSettingsOverrides).where(MerchantSettingsOverrides.merchant_id == merchant_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()
