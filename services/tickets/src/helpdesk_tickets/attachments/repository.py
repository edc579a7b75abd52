from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from helpdesk_tickets.models import Attachment, AttachmentChunk, Message


async def get(session: AsyncSession, merchant_id: str, attachment_id: uuid.UUID) -> Attachment | None:
    query = select(Attachment).where(Attachment.merchant_id == merchant_id, Attachment.id == attachment_id)
    return (await session.execute(query)).scalar_one_or_none()


async def message_visibility(session: AsyncSession, merchant_id: str, message_id: uuid.UUID) -> str | None:
    query = select(col(Message.visibility)).where(Message.merchant_id == merchant_id, Message.id == message_id)
    return (await session.execute(query)).scalar_one_or_none()


async def unlinked(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID, uploader_id: str, ids: Sequence[uuid.UUID]
) -> list[Attachment]:
    """The caller's own uploads to this ticket not yet on a message, locked so two messages can't both take one."""
    if not ids:
        return []
    query = (
        select(Attachment)
        .where(
            Attachment.merchant_id == merchant_id,
            Attachment.id.in_(list(set(ids))),  # type: ignore[attr-defined]
            Attachment.ticket_id == ticket_id,
            Attachment.uploader_id == uploader_id,
            Attachment.message_id.is_(None),  # type: ignore[union-attr]
        )
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def for_messages(
    session: AsyncSession, merchant_id: str, message_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Attachment]]:
    if not message_ids:
        return {}
    query = (
        select(Attachment)
        .where(Attachment.merchant_id == merchant_id, Attachment.message_id.in_(list(message_ids)))  # type: ignore[union-attr]
        .order_by(Attachment.created_at, Attachment.id)  # type: ignore[arg-type]
    )
    grouped: dict[uuid.UUID, list[Attachment]] = defaultdict(list)
    for attachment in (await session.execute(query)).scalars():
        assert attachment.message_id is not None
        grouped[attachment.message_id].append(attachment)
    return grouped


async def for_ticket(
    session: AsyncSession, merchant_id: str, ticket_id: uuid.UUID
) -> list[tuple[Attachment, str | None]]:
    """Every attachment of the ticket with its message's visibility (None: not on a message yet)."""
    query = (
        select(Attachment, col(Message.visibility))
        .outerjoin(
            Message,
            (Message.merchant_id == Attachment.merchant_id) & (Message.id == Attachment.message_id),  # type: ignore[arg-type]
        )
        .where(Attachment.merchant_id == merchant_id, Attachment.ticket_id == ticket_id)
        .order_by(Attachment.created_at, Attachment.id)  # type: ignore[arg-type]
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def insert_chunk(session: AsyncSession, merchant_id: str, attachment_id: str, seq: int, data: bytes) -> None:
    await session.execute(
        insert(AttachmentChunk).values(merchant_id=merchant_id, attachment_id=attachment_id, seq=seq, data=data)
    )


async def read_chunk(session: AsyncSession, merchant_id: str, attachment_id: uuid.UUID, seq: int) -> bytes | None:
    query = select(col(AttachmentChunk.data)).where(
        AttachmentChunk.merchant_id == merchant_id,
        AttachmentChunk.attachment_id == attachment_id,
        AttachmentChunk.seq == seq,
    )
    data = (await session.execute(query)).scalar_one_or_none()
    return None if data is None else bytes(data)
