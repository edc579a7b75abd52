"""HTTP routes for "was this helpful"."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from helpdesk_knowledge.feedback import service
from helpdesk_knowledge.feedback.schemas import FeedbackEntry, FeedbackResult, FeedbackWrite
from helpdesk_servicekit.auth import CurrentPrincipal, StaffPrincipal
from helpdesk_servicekit.deps import SessionsDep

router = APIRouter(prefix="/v1/articles", tags=["article feedback"])


@router.post("/{article_id}/feedback", response_model=FeedbackResult)
async def give_feedback(
    article_id: uuid.UUID, data: FeedbackWrite, principal: CurrentPrincipal, sessions: SessionsDep
) -> FeedbackResult:
    return await service.vote(sessions, principal, article_id, data)


@router.get("/{article_id}/feedback", response_model=list[FeedbackEntry])
async def list_feedback(
    article_id: uuid.UUID,
    principal: StaffPrincipal,
    sessions: SessionsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[FeedbackEntry]:
    return await service.list_feedback(sessions, principal, article_id, limit)
