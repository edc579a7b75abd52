"""Idempotency-Key support: the key, the request's fingerprint and the response live in the use case's
transaction, so a retried request either replays the stored response or runs exactly once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Header
from sqlalchemy import Column, DateTime, Integer, PrimaryKeyConstraint, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from helpdesk_servicekit.errors import Unprocessable

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)]


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (PrimaryKeyConstraint("merchant_id", "user_id", "key"),)

    merchant_id: str = Field(sa_column=Column(Text, nullable=False))
    user_id: str = Field(sa_column=Column(Text, nullable=False))
    key: str = Field(sa_column=Column(Text, nullable=False))
    request_hash: str = Field(sa_column=Column(Text, nullable=False))
    status_code: int | None = Field(default=None, sa_column=Column(Integer))
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


async def reserve(
    session: AsyncSession, merchant_id: str, user_id: str, key: str, request_hash: str
) -> StoredResponse | None:
    """None: go ahead (the key is now taken in this transaction); else the response to replay."""
    inserted = await session.execute(
        text(
            "INSERT INTO idempotency_keys (merchant_id, user_id, key, request_hash) VALUES (:m, :u, :k, :h)"
            " ON CONFLICT DO NOTHING RETURNING key"
        ),
        {"m": merchant_id, "u": user_id, "k": key, "h": request_hash},
    )
    if inserted.first() is not None:
        return None
    row = (
        await session.execute(
            text(
                "SELECT request_hash, status_code, response FROM idempotency_keys"
                " WHERE merchant_id = :m AND user_id = :u AND key = :k"
            ),
            {"m": merchant_id, "u": user_id, "k": key},
        )
    ).one()
    if row.request_hash != request_hash:
        raise Unprocessable(
            "this Idempotency-Key was already used with a different request",
            errors=[{"field": "header.Idempotency-Key", "message": "reused with a different request"}],
        )
    return StoredResponse(row.status_code, row.response)


async def remember(
    session: AsyncSession, merchant_id: str, user_id: str, key: str, status_code: int, body: dict[str, Any]
) -> None:
    await session.execute(
        text(
            "UPDATE idempotency_keys SET status_code = :s, response = CAST(:r AS jsonb)"
            " WHERE merchant_id = :m AND user_id = :u AND key = :k"
        ),
        {"s": status_code, "r": json.dumps(body, default=str), "m": merchant_id, "u": user_id, "k": key},
    )
