"""HTTP routes of surveys by link token (no account, no JWT) and a ticket's invitations (staff)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from helpdesk_feedback.invitations import answers
from helpdesk_feedback.invitations.schemas import InvitationRead, ResponseCreate, ResponseRead, SurveyView
from helpdesk_servicekit.auth import StaffPrincipal
from helpdesk_servicekit.deps import SessionsDep

router = APIRouter(prefix="/v1/surveys", tags=["survey answers"])
Token = Annotated[str, Path(description="the link token of the invitation email")]


@router.get("/tickets/{ticket_id}/invitations", response_model=list[InvitationRead])
async def ticket_invitations(
    ticket_id: uuid.UUID, principal: StaffPrincipal, sessions: SessionsDep
) -> list[InvitationRead]:
    return await answers.ticket_invitations(sessions, principal, ticket_id)


UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"description": "unknown link"}}
EXPIRED: dict[int | str, dict[str, Any]] = {410: {"description": "the survey expired"}}
ANSWERED: dict[int | str, dict[str, Any]] = {409: {"description": "already answered"}}


@router.get("/{token}", response_model=SurveyView, responses=UNKNOWN | EXPIRED)
async def show_survey(
    token: Token,
    sessions: SessionsDep,
    score: Annotated[int | None, Query(ge=0, le=10, description="a one-click link's score, shown to confirm")] = None,
) -> SurveyView:
    return await answers.show(sessions, token, score)


@router.post(
    "/{token}/responses",
    status_code=201,
    response_model=ResponseRead,
    responses=UNKNOWN | EXPIRED | ANSWERED,
)
async def answer_survey(token: Token, data: ResponseCreate, sessions: SessionsDep) -> ResponseRead:
    return await answers.respond(sessions, token, data)
