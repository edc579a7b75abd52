"""Per-app dependencies: the session factory, the settings and the attachment storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Request

from helpdesk_tickets.attachments.storage import AttachmentStorage, make_storage
from helpdesk_tickets.settings import TicketsSettings
from helpdesk_tickets.shared import Sessions


@dataclass(frozen=True)
class Context:
    sessions: Sessions
    settings: TicketsSettings
    storage: AttachmentStorage


async def get_context(request: Request) -> Context:
    state = request.app.state
    context: Context | None = getattr(state, "tickets_context", None)
    if context is None or context.sessions is not state.sessions:
        settings = cast(TicketsSettings, state.settings)
        context = Context(state.sessions, settings, make_storage(settings))
        state.tickets_context = context
    return context


Ctx = Annotated[Context, Depends(get_context)]
