"""Was this article helpful: one vote per user per article (a second vote replaces the first)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk_knowledge.articles import repository as articles
from helpdesk_knowledge.feedback import repository
from helpdesk_knowledge.feedback.schemas import FeedbackEntry, FeedbackResult, FeedbackWrite
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.errors import NotFound

Sessions = async_sessionmaker[AsyncSession]


async def vote(sessions: Sessions, principal: Principal, article_id: uuid.UUID, data: FeedbackWrite) -> FeedbackResult:
    """Record or change the caller's vote; the counters move by the difference, under the article's counter lock."""
    async with unit_of_work(sessions) as session:
        visible = await articles.read(session, principal.merchant_id, article_id, published_only=not principal.is_staff)
        if visible is None or not await repository.lock_counters(session, principal.merchant_id, article_id):
            raise NotFound(f"article {article_id} not found")
        before = await repository.previous_vote(session, principal.merchant_id, article_id, principal.user_id)
        await repository.upsert_vote(
            session, principal.merchant_id, article_id, principal.user_id, data.helpful, data.comment, utcnow()
        )
        helpful_delta = int(data.helpful) - int(before is True)
        not_helpful_delta = int(not data.helpful) - int(before is False)
        helpful, not_helpful = await repository.adjust_counts(
            session, principal.merchant_id, article_id, helpful_delta, not_helpful_delta
        )
        await session.commit()
    votes = helpful + not_helpful
    return FeedbackResult(
        article_id=article_id,
        helpful=data.helpful,
        comment=data.comment,
        helpful_count=helpful,
        not_helpful_count=not_helpful,
        helpfulness=round(helpful / votes, 4) if votes else None,
    )


async def list_feedback(
    sessions: Sessions, principal: Principal, article_id: uuid.UUID, limit: int
) -> list[FeedbackEntry]:
    async with unit_of_work(sessions) as session:
        if await articles.read(session, principal.merchant_id, article_id, published_only=False) is None:
            raise NotFound(f"article {article_id} not found")
        rows = await repository.list_feedback(session, principal.merchant_id, article_id, limit)
    return [FeedbackEntry(user_id=u, helpful=h, comment=c, updated_at=t) for u, h, c, t in rows]
