from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_tickets.models import Message


async def list_messages(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, *, public_only: bool
) -> list[Message]:
    query = select(Message).where(Message.merchant_id == merchant_id, Message.ticket_id == ticket_id)
    if public_only:
        query = query.where(Message.visibility == "public")
    query = query.order_by(Message.created_at, Message.id)  # type: ignore[arg-type]
    return list((await session.execute(query)).scalars())


async def get(session: AsyncSession, merchant_id: str, message_id: uuid.UUID) -> Message | None:
    query = select(Message).where(Message.merchant_id == merchant_id, Message.id == message_id)
    return (await session.execute(query)).scalar_one_or_none()
