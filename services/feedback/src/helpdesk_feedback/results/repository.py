"""The rollups: counts per score, invitations sent and answered, per (merchant, type, day) at four grains —
agent x category, agent, category, and the merchant's total — kept in the same transaction as the invitation or
answer that changes them. Any results query reads one grain: at most one row per day of its period."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_feedback.domain.scoring import SLOTS, Tally

ANY_AGENT = ""  # also the bucket of tickets without an assignee, at the grains that keep agents
ANY_CATEGORY = uuid.UUID(int=0)
# Grains as PostgreSQL's GROUPING(agent_id, category_id) numbers them (the benchmark seeds with GROUPING SETS).
AGENT_AND_CATEGORY, AGENT, CATEGORY, TOTAL = 0, 1, 2, 3


@dataclass(frozen=True)
class Bump:
    """One change to count: an invitation sent, one of a day's invitations answered, or an answer's score."""

    day: date
    agent_id: str | None
    category_id: uuid.UUID | None
    invited: int = 0
    answered: int = 0
    score: int | None = None


def _rows(bumps: Sequence[Bump]) -> list[dict[str, object]]:
    """Every grain row the bumps touch, merged and in key order (so concurrent writers lock rows alike)."""
    merged: dict[tuple[int, str, str, str], list[int]] = {}
    for bump in bumps:
        agent, category = bump.agent_id or ANY_AGENT, str(bump.category_id or ANY_CATEGORY)
        for grain, a, c in (
            (AGENT_AND_CATEGORY, agent, category),
            (AGENT, agent, str(ANY_CATEGORY)),
            (CATEGORY, ANY_AGENT, category),
            (TOTAL, ANY_AGENT, str(ANY_CATEGORY)),
        ):
            counts = merged.setdefault((grain, a, c, bump.day.isoformat()), [0] * (SLOTS + 2))
            counts[0] += bump.invited
            counts[1] += bump.answered
            if bump.score is not None:
                counts[2 + bump.score] += 1
    return [
        {"grain": g, "agent_id": a, "category_id": c, "day": d, "invited": n[0], "answered": n[1], "scores": n[2:]}
        for (g, a, c, d), n in sorted(merged.items())
    ]


_BUMP = text(
    "INSERT INTO survey_rollups (merchant_id, survey_type, grain, agent_id, category_id, day, invited, answered,"
    " scores)"
    " SELECT :m, :t, r.grain, r.agent_id, r.category_id, r.day, r.invited, r.answered, r.scores"
    " FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(grain smallint, agent_id text, category_id uuid, day date,"
    " invited integer, answered integer, scores integer[])"
    " ORDER BY r.grain, r.agent_id, r.category_id, r.day"
    " ON CONFLICT (merchant_id, survey_type, grain, agent_id, category_id, day) DO UPDATE SET"
    " invited = survey_rollups.invited + EXCLUDED.invited,"
    " answered = survey_rollups.answered + EXCLUDED.answered,"
    " scores = ARRAY(SELECT u.a + u.b FROM unnest(survey_rollups.scores, EXCLUDED.scores) WITH ORDINALITY"
    " AS u(a, b, i) ORDER BY u.i)"
)


async def bump(session: AsyncSession, merchant_id: str, survey_type: str, bumps: Sequence[Bump]) -> None:
    """Count `bumps` at every grain, in one statement."""
    if bumps:
        await session.execute(_BUMP, {"m": merchant_id, "t": survey_type, "rows": json.dumps(_rows(bumps))})


def grain_of(agent_id: str | None, category_id: uuid.UUID | None) -> tuple[int, str, uuid.UUID]:
    """The grain that answers a query with these filters, and the keys it is read with."""
    if agent_id is not None and category_id is not None:
        return AGENT_AND_CATEGORY, agent_id, category_id
    if agent_id is not None:
        return AGENT, agent_id, ANY_CATEGORY
    if category_id is not None:
        return CATEGORY, ANY_AGENT, category_id
    return TOTAL, ANY_AGENT, ANY_CATEGORY


_READ = text(
    "SELECT day, invited, answered, scores FROM survey_rollups WHERE merchant_id = :m AND survey_type = :t"
    " AND grain = :g AND agent_id = :a AND category_id = :c AND day BETWEEN :first AND :last"
)


async def daily_tallies(
    session: AsyncSession,
    merchant_id: str,
    survey_type: str,
    first: date,
    last: date,
    agent_id: str | None = None,
    category_id: uuid.UUID | None = None,
) -> dict[date, Tally]:
    """The period's tallies per day (days without rows are absent): one index range, one row a day."""
    grain, agent, category = grain_of(agent_id, category_id)
    rows = await session.execute(
        _READ,
        {"m": merchant_id, "t": survey_type, "g": grain, "a": agent, "c": category, "first": first, "last": last},
    )
    return {row.day: Tally.from_row(row.scores, row.invited, row.answered) for row in rows}
