"""Suggestions: for a ticket form, for a ticket once created, what was opened, and the deflection funnel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from helpdesk_knowledge.suggestions import service
from helpdesk_knowledge.suggestions.schemas import DeflectionReport, Opened, Suggestion, TicketSuggestion
from helpdesk_knowledge.text import Locale, TicketText
from helpdesk_servicekit.auth import CurrentPrincipal, ManagerPrincipal
from helpdesk_servicekit.deps import SessionsDep

router = APIRouter(prefix="/v1/kb", tags=["suggestions"])


@router.get("/suggest", response_model=Suggestion)
async def suggest(
    principal: CurrentPrincipal,
    sessions: SessionsDep,
    q: Annotated[TicketText, Query(description="what the customer typed; any word may match")],
    locale: Annotated[Locale | None, Query(description="default: the caller's locale claim")] = None,
    limit: Annotated[int, Query(ge=1, le=10)] = 3,
) -> Suggestion:
    return await service.suggest_for_form(sessions, principal, q, locale, limit)


@router.post("/suggestions/{suggestion_id}/opened", status_code=204)
async def suggestion_opened(
    suggestion_id: uuid.UUID, data: Opened, principal: CurrentPrincipal, sessions: SessionsDep
) -> Response:
    await service.opened(sessions, principal, suggestion_id, data.article_id)
    return Response(status_code=204)


@router.get("/tickets/{ticket_id}/suggestions", response_model=TicketSuggestion)
async def ticket_suggestions(
    ticket_id: uuid.UUID, principal: CurrentPrincipal, sessions: SessionsDep
) -> TicketSuggestion:
    """The articles suggested when the ticket was created, for its customer (to show) and for staff (to link)."""
    return await service.for_ticket(sessions, principal, ticket_id)


@router.get("/deflection", response_model=DeflectionReport)
async def deflection(
    principal: ManagerPrincipal,
    sessions: SessionsDep,
    from_: Annotated[AwareDatetime, Query(alias="from")],
    to: Annotated[AwareDatetime, Query()],
) -> DeflectionReport:
    return await service.deflection(sessions, principal, from_, to)


