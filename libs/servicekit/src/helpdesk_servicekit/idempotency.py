"""Idempotency-Key support: the key, the request's fingerprint and the response live in the use case's
transaction, so a retried request either replays the stored response or runs exactly once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, PrimaryKeyConstraint, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel

from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.errors import Unprocessable

if TYPE_CHECKING:
    from helpdesk_servicekit.auth import Principal

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
    """A use case's outcome as the client sees it: replayed byte for byte when the key comes again."""

    status_code: int
    body: dict[str, Any] = field(default_factory=dict)
    # The body already serialized, for a path that never stores it (no Idempotency-Key): spares a dump and a parse.
    content: bytes | None = None

    def response(self) -> JSONResponse:
        if self.content is not None:
            return _RenderedJson(self.content, status_code=self.status_code)
        return JSONResponse(self.body, status_code=self.status_code)


class _RenderedJson(JSONResponse):
    """A JSON response whose body is already serialized."""

    def render(self, content: Any) -> bytes:
        return content  # type: ignore[no-any-return]


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


async def run_once(
    sessions: async_sessionmaker[AsyncSession],
    principal: Principal,
    key: str | None,
    request: tuple[Any, ...],
    work: Callable[[AsyncSession], Awaitable[BaseModel]],
    *,
    status_code: int = 201,
) -> StoredResponse:
    """Run `work` in one unit of work and commit; with an Idempotency-Key, exactly once per (user, key).

    `request` fingerprints the call (operation name, ids, body): the same key with another request is a 422.
    A retry replays the stored status and body; concurrent retries wait on the key's row and then replay.
    `work` stages its changes and events in the session and returns the read model; it never commits.
    """
    async with unit_of_work(sessions) as session:
        if key:
            stored = await reserve(session, principal.merchant_id, principal.user_id, key, fingerprint(*request))
            if stored is not None:
                return stored
        result = await work(session)
        body = result.model_dump(mode="json")
        if key:
            await remember(session, principal.merchant_id, principal.user_id, key, status_code, body)
        await session.commit()
    return StoredResponse(status_code, body)
