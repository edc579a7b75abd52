from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_serializer

from helpdesk_contracts import CompensationType

Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class CompensationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: CompensationType
    amount: Decimal = Field(description="greater than 0, at most the currency's decimal places (ISO 4217)")
    currency: Currency
    order_id: ExternalId | None = None
    reason: Reason


class CompensationDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approved: bool
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)] | None = None


class CompensationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    ticket_id: uuid.UUID
    type: CompensationType
    amount: Decimal
    currency: str
    order_id: str | None
    reason: str
    status: str
    requested_by: str
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str | None
    issued_at: datetime | None
    created_at: datetime

    @field_serializer("amount")
    def _amount_as_string(self, amount: Decimal) -> str:
        return str(amount)


class CurrencyTotal(BaseModel):
    currency: str
    issued: str
    pending_approval: str


class CompensationList(BaseModel):
    items: list[CompensationRead]
    totals: list[CurrencyTotal]
