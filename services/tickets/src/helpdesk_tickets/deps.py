"""Request dependencies of the tickets routes: servicekit's sessions and typed settings, plus attachment storage."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from helpdesk_servicekit.deps import SessionsDep, settings_of
from helpdesk_tickets.attachments.storage import AttachmentStorage, make_storage
from helpdesk_tickets.settings import TicketsSettings

__all__ = ["SessionsDep", "Settings", "Storage"]

Settings = Annotated[TicketsSettings, Depends(settings_of(TicketsSettings))]


async def get_storage(request: Request, settings: Settings) -> AttachmentStorage:
    """The app's attachment storage, built once from its settings."""
    storage: AttachmentStorage | None = getattr(request.app.state, "attachment_storage", None)
    if storage is None:
        storage = request.app.state.attachment_storage = make_storage(settings)
    return storage


Storage = Annotated[AttachmentStorage, Depends(get_storage)]
