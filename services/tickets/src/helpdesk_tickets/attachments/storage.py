"""Where attachment bytes live: PostgreSQL by default (no shared disk needed), S3-compatible as an option.

`write` stores a stream inside the caller's transaction where it can (PostgreSQL: a rolled-back upload
leaves nothing); S3 cannot join the transaction, so an aborted upload may leave an orphan object that
no row points at (harmless, never served; a lifecycle rule on the bucket can sweep them).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_tickets.attachments import repository
from helpdesk_tickets.settings import AttachmentBackend, TicketsSettings


@dataclass(frozen=True)
class StoredFile:
    """What a backend needs to find an attachment's bytes."""

    merchant_id: str
    attachment_id: uuid.UUID
    storage_key: str | None


class AttachmentStorage(Protocol):
    name: str

    async def write(
        self, session: AsyncSession, merchant_id: str, attachment_id: str, chunks: AsyncIterator[bytes]
    ) -> str | None:
        """Store the stream; returns the storage key to keep on the attachment row (None: not needed)."""
        ...

    def read(self, sessions: async_sessionmaker[AsyncSession], stored: StoredFile) -> AsyncIterator[bytes]:
        """Stream the stored bytes back."""
        ...


async def rechunk(chunks: AsyncIterator[bytes], size: int) -> AsyncIterator[bytes]:
    """Even-sized pieces out of whatever sizes the network delivered."""
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


class PostgresStorage:
    """Bytes in `attachment_chunks` rows of `chunk_bytes` each, written in the upload's transaction."""

    name = "postgres"

    def __init__(self, chunk_bytes: int) -> None:
        self.chunk_bytes = chunk_bytes

    async def write(
        self, session: AsyncSession, merchant_id: str, attachment_id: str, chunks: AsyncIterator[bytes]
    ) -> str | None:
        seq = 0
        async for piece in rechunk(chunks, self.chunk_bytes):
            await repository.insert_chunk(session, merchant_id, attachment_id, seq, piece)
            seq += 1
        return None

    async def read(self, sessions: async_sessionmaker[AsyncSession], stored: StoredFile) -> AsyncIterator[bytes]:
        seq = 0
        async with sessions() as session:
            while True:
                data = await repository.read_chunk(session, stored.merchant_id, stored.attachment_id, seq)
                if data is None:
                    return
                yield bytes(data)
                seq += 1


class S3Storage:
    """Objects `<merchant_id>/<attachment_id>` in one bucket of any S3-compatible store (SigV4)."""

    name = "s3"

    def __init__(self, settings: TicketsSettings) -> None:
        from helpdesk_tickets.attachments.s3 import S3Client

        assert settings.s3_endpoint_url and settings.s3_bucket
        assert settings.s3_access_key_id and settings.s3_secret_access_key
        self.client = S3Client(
            settings.s3_endpoint_url,
            settings.s3_bucket,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
        )

    async def write(
        self, session: AsyncSession, merchant_id: str, attachment_id: str, chunks: AsyncIterator[bytes]
    ) -> str | None:
        key = f"{merchant_id}/{attachment_id}"
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
            async for chunk in chunks:
                spool.write(chunk)
            spool.seek(0)
            await self.client.put(key, spool)
        return key

    async def read(self, sessions: async_sessionmaker[AsyncSession], stored: StoredFile) -> AsyncIterator[bytes]:
        assert stored.storage_key
        async for chunk in self.client.get(stored.storage_key):
            yield chunk


def make_storage(settings: TicketsSettings) -> AttachmentStorage:
    if settings.attachment_backend is AttachmentBackend.S3:
        return S3Storage(settings)
    return PostgresStorage(settings.attachment_chunk_bytes)
