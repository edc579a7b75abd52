from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from helpdesk_servicekit.auth import CurrentPrincipal
from helpdesk_servicekit.idempotency import IdempotencyKey, run_once
from helpdesk_tickets.attachments import service
from helpdesk_tickets.attachments.schemas import AttachmentRead
from helpdesk_tickets.attachments.upload import MultipartFile
from helpdesk_tickets.deps import SessionsDep, Settings, Storage
from helpdesk_tickets.domain.attachments import content_disposition, sanitize_filename

tickets_router = APIRouter(prefix="/v1/tickets", tags=["attachments"])
router = APIRouter(prefix="/v1/attachments", tags=["attachments"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@tickets_router.post(
    "/{ticket_id}/attachments", status_code=201, response_model=AttachmentRead, openapi_extra=UPLOAD_BODY
)
async def upload_attachment(
    ticket_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    settings: Settings,
    storage: Storage,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Upload one file (multipart field `file`), streamed; reference it by id in a message's `attachment_ids`.

    With an Idempotency-Key the request is fingerprinted by ticket and file name: a retry replays the first
    upload's response without storing the bytes again."""
    upload = MultipartFile(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream().__aiter__(),
        settings.attachment_max_bytes,
    )
    await upload.open()
    stored = await run_once(
        sessions,
        principal,
        idempotency_key,
        ("upload", str(ticket_id), sanitize_filename(upload.filename)),
        lambda session: service.upload(session, storage, settings, principal, ticket_id, upload),
    )
    return stored.response()


@tickets_router.get("/{ticket_id}/attachments", response_model=list[AttachmentRead])
async def list_attachments(
    ticket_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep
) -> list[AttachmentRead]:
    return await service.list_for_ticket(sessions, principal, ticket_id)


@router.get("/{attachment_id}", response_class=StreamingResponse)
async def download_attachment(
    attachment_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep, storage: Storage
) -> StreamingResponse:
    """The file with its sniffed content type, always as a download (never rendered inline)."""
    download = await service.open_download(sessions, storage, principal, attachment_id)
    return StreamingResponse(
        download.chunks,
        media_type=download.content_type,
        headers={
            "Content-Disposition": content_disposition(download.filename),
            "Content-Length": str(download.size_bytes),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )
