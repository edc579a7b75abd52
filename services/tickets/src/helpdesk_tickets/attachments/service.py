"""Upload and download of attachments, with the visibility rules of the message they belong to."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import NotFound
from helpdesk_tickets.attachments import repository
from helpdesk_tickets.attachments.schemas import AttachmentRead
from helpdesk_tickets.attachments.storage import AttachmentStorage, StoredFile
from helpdesk_tickets.attachments.upload import MultipartFile
from helpdesk_tickets.domain.attachments import SNIFF_BYTES, refusal, sanitize_filename, sniff
from helpdesk_tickets.models import Attachment, Ticket
from helpdesk_tickets.problems import UnsupportedAttachment
from helpdesk_tickets.settings import TicketsSettings
from helpdesk_tickets.shared import Actor, audit, load_visible, may_see


async def _head_and_rest(chunks: AsyncIterator[bytes], size: int) -> tuple[bytes, AsyncIterator[bytes]]:
    """The first `size` bytes (for sniffing) and an iterator over the whole stream, head included."""
    head = bytearray()
    async for chunk in chunks:
        head += chunk
        if len(head) >= size:
            break

    async def whole() -> AsyncIterator[bytes]:
        yield bytes(head)
        async for chunk in chunks:
            yield chunk

    return bytes(head), whole()


async def upload(
    session: AsyncSession,
    storage: AttachmentStorage,
    settings: TicketsSettings,
    principal: Principal,
    ticket_id: uuid.UUID,
    upload: MultipartFile,
) -> AttachmentRead:
    """Store one opened upload for the ticket; it joins the conversation when a message names it."""
    ticket = await load_visible(session, principal, ticket_id)
    filename = sanitize_filename(upload.filename)
    head, chunks = await _head_and_rest(upload.chunks(), SNIFF_BYTES)
    content_type = sniff(head)
    reason = refusal(filename, content_type, settings.attachment_denied_extensions, settings.attachment_denied_types)
    if reason:
        raise UnsupportedAttachment(reason, content_type=content_type)
    digest, size = hashlib.sha256(), 0

    async def measured() -> AsyncIterator[bytes]:
        nonlocal size
        async for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    attachment_id = uuid.uuid4()
    key = await storage.write(session, principal.merchant_id, str(attachment_id), measured())
    now = utcnow()
    attachment = Attachment(
        id=attachment_id,
        merchant_id=principal.merchant_id,
        ticket_id=ticket.id,
        uploader_id=principal.user_id,
        uploader_role=principal.role.value,
        filename=filename,
        content_type=content_type,
        size_bytes=size,
        sha256=digest.hexdigest(),
        storage=storage.name,
        storage_key=key,
        created_at=now,
    )
    session.add(attachment)
    audit(
        session,
        ticket,
        Actor.of(principal),
        "attachment",
        None,
        {"attachment_id": str(attachment_id), "filename": filename, "size_bytes": size},
        now,
    )
    return AttachmentRead.model_validate(attachment)


def _customer_may_see(principal: Principal, attachment: Attachment, visibility: str | None) -> bool:
    """A customer sees attachments of public messages and their own not-yet-sent uploads; never a note's."""
    if visibility is None:
        return attachment.uploader_id == principal.user_id
    return visibility == "public"


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    size_bytes: int
    chunks: AsyncIterator[bytes]


async def open_download(
    sessions: Sessions, storage: AttachmentStorage, principal: Principal, attachment_id: uuid.UUID
) -> Download:
    """The attachment and its byte stream, if the caller may read it (404 otherwise, whatever the reason)."""
    async with unit_of_work(sessions) as session:
        attachment = await repository.get(session, principal.merchant_id, attachment_id)
        missing = NotFound(f"attachment {attachment_id} not found")
        if attachment is None:
            raise missing
        ticket = await session.get(Ticket, (principal.merchant_id, attachment.ticket_id))
        if ticket is None or not await may_see(session, principal, ticket):
            raise missing
        if not principal.is_staff:
            visibility = (
                await repository.message_visibility(session, principal.merchant_id, attachment.message_id)
                if attachment.message_id
                else None
            )
            if not _customer_may_see(principal, attachment, visibility):
                raise missing
        stored = StoredFile(attachment.merchant_id, attachment.id, attachment.storage_key)
        return Download(
            attachment.filename, attachment.content_type, attachment.size_bytes, storage.read(sessions, stored)
        )


async def list_for_ticket(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID) -> list[AttachmentRead]:
    async with unit_of_work(sessions) as session:
        await load_visible(session, principal, ticket_id)
        rows = await repository.for_ticket(session, principal.merchant_id, ticket_id)
        return [
            AttachmentRead.model_validate(a)
            for a, visibility in rows
            if principal.is_staff or _customer_may_see(principal, a, visibility)
        ]
