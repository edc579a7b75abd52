"""Answering by link token (no account): show the question, record one answer. A GET never records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from helpdesk_contracts.feedback import SurveyResponded
from helpdesk_feedback.domain.surveys import SCALES, score_in_range
from helpdesk_feedback.events import events
from helpdesk_feedback.invitations import repository
from helpdesk_feedback.invitations.schemas import InvitationRead, ResponseCreate, ResponseRead, SurveyView
from helpdesk_feedback.invitations.service import hash_token
from helpdesk_feedback.results import repository as rollups
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, NotFound, Problem, Unprocessable

MAX_TOKEN_LENGTH = 200


class SurveyExpired(Problem):
    status, type_slug, title = 410, "survey-expired", "Survey expired"


def _unknown() -> NotFound:
    return NotFound("no survey has this link")


def _check_open(invitation: Row[Any], now: datetime) -> None:
    if invitation.expires_at is not None and now >= invitation.expires_at and invitation.status == "sent":
        raise SurveyExpired(f"this survey expired at {invitation.expires_at.isoformat()}")


async def show(sessions: Sessions, token: str, proposed_score: int | None) -> SurveyView:
    if len(token) > MAX_TOKEN_LENGTH:
        raise _unknown()
    async with unit_of_work(sessions) as session:
        invitation = await repository.find_by_token(session, hash_token(token))
        if invitation is None:
            raise _unknown()
        _check_open(invitation, utcnow())
        answer = None
        if invitation.status == "answered":
            answer = await repository.response_of(session, invitation.merchant_id, invitation.id)
    low, high = SCALES[invitation.survey_type]
    if proposed_score is not None and not low <= proposed_score <= high:
        raise _out_of_range(invitation.survey_type, "query.score")
    return SurveyView(
        survey_type=invitation.survey_type,
        question=invitation.question,
        scale_min=low,
        scale_max=high,
        ticket_number=invitation.ticket_number,
        expires_at=invitation.expires_at,
        status="answered" if answer is not None else "open",
        proposed_score=proposed_score,
        score=answer.score if answer is not None else None,
        responded_at=answer.responded_at if answer is not None else None,
    )


def _out_of_range(survey_type: str, field: str) -> Unprocessable:
    low, high = SCALES[survey_type]
    message = f"a {survey_type.upper()} score is from {low} to {high}"
    return Unprocessable(message, errors=[{"field": field, "message": message}])


async def respond(sessions: Sessions, token: str, data: ResponseCreate) -> ResponseRead:
    """Record the one answer an invitation takes: 409 when answered, 410 when expired, 422 when out of range."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise _unknown()
    async with unit_of_work(sessions) as session:
        invitation = await repository.find_by_token(session, hash_token(token), for_update=True)
        if invitation is None:
            raise _unknown()
        if invitation.status == "answered":
            raise Conflict("this survey was already answered; an answer cannot be changed")
        now = utcnow()
        _check_open(invitation, now)
        if not score_in_range(invitation.survey_type, data.score):
            raise _out_of_range(invitation.survey_type, "body.score")
        comment = data.comment or None
        if not await repository.record_response(session, invitation, data.score, comment, now):
            raise Conflict("this survey was already answered; an answer cannot be changed")
        merchant_id, survey_type = invitation.merchant_id, invitation.survey_type
        agent_id, category_id = invitation.agent_id, invitation.category_id
        counted = [
            rollups.Bump(now.date(), agent_id, category_id, score=data.score),
            rollups.Bump(invitation.sent_at.date(), agent_id, category_id, answered=1),  # the day's cohort
        ]
        await rollups.bump(session, merchant_id, survey_type, counted)
        responded = SurveyResponded(
            invitation_id=invitation.id,
            ticket_id=invitation.ticket_id,
            survey_type=survey_type,
            score=data.score,
            agent_id=agent_id,
            category_id=category_id,
            responded_at=now,
        )
        await events.stage(session, responded, merchant_id=merchant_id, ordering_key=str(invitation.ticket_id))
        await session.commit()
    return ResponseRead(
        invitation_id=invitation.id, survey_type=survey_type, score=data.score, comment=comment, responded_at=now
    )


async def ticket_invitations(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID) -> list[InvitationRead]:
    """Staff see every invitation of a ticket of their merchant (none for another merchant's ticket)."""
    async with unit_of_work(sessions) as session:
        rows = await repository.invitations_of_ticket(session, principal.merchant_id, ticket_id)
    return [InvitationRead.model_validate(dict(row._mapping)) for row in rows]
