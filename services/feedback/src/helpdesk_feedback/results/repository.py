"""The rollups: one row per (merchant, type, day, agent, category) with counts per score, kept in the same
transaction as the invitation or answer that changes them, so results read days, not responses."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_feedback.domain.scoring import SLOTS, Tally

NO_AGENT = ""
NO_CATEGORY = uuid.UUID(int=0)

_BUMP = text(
    "INSERT INTO survey_rollups (merchant_id, survey_type, day, agent_id, category_id, invited, answered, scores)"
    " VALUES (:m, :t, :d, :a, :c, :invited, :answered, :scores)"
    " ON CONFLICT (merchant_id, survey_type, day, agent_id, category_id) DO UPDATE SET"
    " invited = survey_rollups.invited + EXCLUDED.invited,"
    " answered = survey_rollups.answered + EXCLUDED.answered,"
    " scores[:slot] = survey_rollups.scores[:slot] + :scored"
)


async def bump(
    session: AsyncSession,
    merchant_id: str,
    survey_type: str,
    day: date,
    agent_id: str | None,
    category_id: uuid.UUID | None,
    *,
    invited: int = 0,
    answered: int = 0,
    score: int | None = None,
) -> None:
    """Count an invitation sent, an invitation of that day's cohort answered, or an answer's score."""
    scores = [0] * SLOTS
    if score is not None:
        scores[score] = 1
    await session.execute(
        _BUMP,
        {
            "m": merchant_id,
            "t": survey_type,
            "d": day,
            "a": agent_id or NO_AGENT,
            "c": category_id or NO_CATEGORY,
            "invited": invited,
            "answered": answered,
            "scores": scores,
            "slot": (score or 0) + 1,
            "scored": 1 if score is not None else 0,
        },
    )


_SUMS = ", ".join(f"sum(scores[{i + 1}])" for i in range(SLOTS))


async def daily_tallies(
    session: AsyncSession,
    merchant_id: str,
    survey_type: str,
    first: date,
    last: date,
    agent_id: str | None = None,
    category_id: uuid.UUID | None = None,
) -> dict[date, Tally]:
    """The period's tallies per day (days without rows are absent)."""
    where = ["merchant_id = :m", "survey_type = :t", "day BETWEEN :first AND :last"]
    params: dict[str, Any] = {"m": merchant_id, "t": survey_type, "first": first, "last": last}
    if agent_id is not None:
        where.append("agent_id = :a")
        params["a"] = agent_id
    if category_id is not None:
        where.append("category_id = :c")
        params["c"] = category_id
    rows = await session.execute(
        text(
            f"SELECT day, sum(invited) AS invited, sum(answered) AS answered, {_SUMS} FROM survey_rollups"
            f" WHERE {' AND '.join(where)} GROUP BY day"
        ),
        params,
    )
    return {row[0]: Tally.from_row(row[3:], row[1], row[2]) for row in rows}
