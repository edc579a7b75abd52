from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Threshold = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=4)]


class MerchantSettingsUpdate(BaseModel):
    """Every field optional: null resets it to the service default."""

    model_config = ConfigDict(extra="forbid")

    auto_close_seconds: int | None = Field(default=None, ge=1, le=365 * 86_400)
    reopen_window_seconds: int | None = Field(default=None, ge=0, le=3 * 365 * 86_400)
    approval_threshold: Threshold | None = None
    approval_thresholds: dict[Currency, Threshold] = Field(default_factory=dict, max_length=200)
    agents_see_all_tickets: bool | None = Field(
        default=None, description="false: an agent sees only tickets assigned to them or in their groups"
    )


class MerchantSettingsRead(BaseModel):
    """The effective settings, and which of them the merchant overrides."""

    merchant_id: str
    auto_close_seconds: int
    reopen_window_seconds: int
    approval_threshold: Decimal | None
    approval_thresholds: dict[str, Decimal]
    agents_see_all_tickets: bool
    overridden: list[str]
    updated_at: datetime | None = None
    updated_by: str | None = None
