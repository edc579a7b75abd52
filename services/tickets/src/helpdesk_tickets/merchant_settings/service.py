"""The settings a merchant runs under (`MerchantSettings`): service defaults overridden by the merchant's own rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_tickets.merchant_settings import repository
from helpdesk_tickets.merchant_settings.schemas import MerchantSettingsRead, MerchantSettingsUpdate
from helpdesk_tickets.models import MerchantSettingsOverrides
from helpdesk_tickets.settings import TicketsSettings

# Agents see every ticket of their merchant unless the merchant turns this off (then: their own and their groups').
AGENTS_SEE_ALL_TICKETS = True


@dataclass(frozen=True)
class MerchantSettings:
    auto_close_after: timedelta
    reopen_window: timedelta
    approval_threshold: Decimal | None
    approval_thresholds: dict[str, Decimal] = field(default_factory=dict)
    agents_see_all_tickets: bool = True

    def threshold_for(self, currency: str) -> Decimal | None:
        return self.approval_thresholds.get(currency, self.approval_threshold)


def _effective(row: MerchantSettingsOverrides | None, defaults: TicketsSettings) -> MerchantSettings:
    auto_close = row.auto_close_seconds if row and row.auto_close_seconds is not None else defaults.auto_close_seconds
    reopen = (
        row.reopen_window_seconds if row and row.reopen_window_seconds is not None else defaults.reopen_window_seconds
    )
    threshold = (
        row.approval_threshold
        if row and row.approval_threshold is not None
        else defaults.compensation_approval_threshold
    )
    per_currency = {k: Decimal(v) for k, v in (row.approval_thresholds if row else {}).items()}
    see_all = row.agents_see_all_tickets if row and row.agents_see_all_tickets is not None else AGENTS_SEE_ALL_TICKETS
    return MerchantSettings(timedelta(seconds=auto_close), timedelta(seconds=reopen), threshold, per_currency, see_all)


async def load_merchant_settings(
    session: AsyncSession, merchant_id: str, defaults: TicketsSettings
) -> MerchantSettings:
    return _effective(await repository.get(session, merchant_id), defaults)


def _read(merchant_id: str, row: MerchantSettingsOverrides | None, defaults: TicketsSettings) -> MerchantSettingsRead:
    merchant_settings = _effective(row, defaults)
    overridden = [
        name
        for name in ("auto_close_seconds", "reopen_window_seconds", "approval_threshold", "agents_see_all_tickets")
        if row is not None and getattr(row, name) is not None
    ] + (["approval_thresholds"] if row is not None and row.approval_thresholds else [])
    return MerchantSettingsRead(
        merchant_id=merchant_id,
        auto_close_seconds=int(merchant_settings.auto_close_after.total_seconds()),
        reopen_window_seconds=int(merchant_settings.reopen_window.total_seconds()),
        approval_threshold=merchant_settings.approval_threshold,
        approval_thresholds=merchant_settings.approval_thresholds,
        agents_see_all_tickets=merchant_settings.agents_see_all_tickets,
        overridden=overridden,
        updated_at=row.updated_at if row else None,
        updated_by=row.updated_by if row else None,
    )


async def get_settings(sessions: Sessions, principal: Principal, defaults: TicketsSettings) -> MerchantSettingsRead:
    async with unit_of_work(sessions) as session:
        return _read(principal.merchant_id, await repository.get(session, principal.merchant_id), defaults)


async def put_settings(
    sessions: Sessions, principal: Principal, data: MerchantSettingsUpdate, defaults: TicketsSettings
) -> MerchantSettingsRead:
    """Replace the merchant's overrides (a null field falls back to the service default)."""
    async with unit_of_work(sessions) as session:
        row = await repository.get(session, principal.merchant_id, for_update=True)
        if row is None:
            row = MerchantSettingsOverrides(merchant_id=principal.merchant_id, updated_at=utcnow())
            session.add(row)
        row.auto_close_seconds = data.auto_close_seconds
        row.reopen_window_seconds = data.reopen_window_seconds
        row.approval_threshold = data.approval_threshold
        row.approval_thresholds = {k: str(v) for k, v in data.approval_thresholds.items()}
        row.agents_see_all_tickets = data.agents_see_all_tickets
        row.updated_by = principal.user_id
        row.updated_at = utcnow()
        await session.commit()
        return _read(principal.merchant_id, row, defaults)
