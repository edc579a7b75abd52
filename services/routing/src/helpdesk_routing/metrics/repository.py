"""Agent performance facts (one per event and kind, so a redelivery counts once) and their daily rollups."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# fact kind -> the rollup columns it adds to: (column, add the fact's value instead of 1)
ROLLUP: dict[str, tuple[tuple[str, bool], ...]] = {
    "assigned": (("assigned", False),),
    "resolved": (("resolved", False),),
    "reopened": (("reopened", False),),
    "first_response": (("first_responses", False),),
    "sla_breach": (("sla_breaches", False),),
    "csat": (("csat_sum", True), ("csat_count", False)),
}
DAILY_COLUMNS = ("assigned", "resolved", "reopened", "first_responses", "sla_breaches", "csat_sum", "csat_count")


async def add_fact(
    session: AsyncSession,
    merchant_id: str,
    event_id: uuid.UUID,
    kind: str,
    agent_id: str,
    ticket_id: uuid.UUID,
    occurred_at: datetime,
    value: float | None = None,
) -> None:
    """Record the fact and add it to the agent's day, once per (event, kind)."""
    columns = ROLLUP[kind]
    names = ", ".join(c for c, _ in columns)
    values = ", ".join("CAST(round(f.value) AS integer)" if by_value else "1" for _, by_value in columns)
    updates = ", ".join(f"{c} = routing_agent_daily.{c} + EXCLUDED.{c}" for c, _ in columns)
    await session.execute(
        text(
            "WITH f AS (INSERT INTO routing_metric_facts (merchant_id, event_id, kind, agent_id, ticket_id,"
            " occurred_at, value) VALUES (:m, :e, :k, :a, :t, :at, :v) ON CONFLICT DO NOTHING"
            " RETURNING agent_id, occurred_at, value)"
            f" INSERT INTO routing_agent_daily (merchant_id, agent_id, day, {names})"
            f" SELECT :m, f.agent_id, CAST(f.occurred_at AT TIME ZONE 'UTC' AS date), {values} FROM f"
            f" ON CONFLICT (merchant_id, agent_id, day) DO UPDATE SET {updates}"
        ),
        {"m": merchant_id, "e": event_id, "k": kind, "a": agent_id, "t": ticket_id, "at": occurred_at, "v": value},
    )


async def rebuild(session: AsyncSession, merchant_id: str | None) -> int:
    """Recompute the daily rollups from the facts (all merchants when None); returns the rows written."""
    where = "WHERE merchant_id = :m" if merchant_id is not None else ""
    await session.execute(text(f"DELETE FROM routing_agent_daily {where}"), {"m": merchant_id})
    result = await session.execute(
        text(
            f"INSERT INTO routing_agent_daily (merchant_id, agent_id, day, {', '.join(DAILY_COLUMNS)})"
            " SELECT merchant_id, agent_id, CAST(occurred_at AT TIME ZONE 'UTC' AS date),"
            " count(*) FILTER (WHERE kind = 'assigned'), count(*) FILTER (WHERE kind = 'resolved'),"
            " count(*) FILTER (WHERE kind = 'reopened'), count(*) FILTER (WHERE kind = 'first_response'),"
            " count(*) FILTER (WHERE kind = 'sla_breach'),"
            " coalesce(sum(round(value)) FILTER (WHERE kind = 'csat'), 0), count(*) FILTER (WHERE kind = 'csat')"
            f" FROM routing_metric_facts {where} GROUP BY 1, 2, 3"
        ),
        {"m": merchant_id},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def totals(
    session: AsyncSession, merchant_id: str, agent_ids: Sequence[str], start: date, end: date
) -> dict[str, dict[str, Any]]:
    result = await session.execute(
        text(
            f"SELECT agent_id, {', '.join(f'sum({c}) AS {c}' for c in DAILY_COLUMNS)} FROM routing_agent_daily"
            " WHERE merchant_id = :m AND agent_id = ANY(:a) AND day BETWEEN :start AND :end GROUP BY agent_id"
        ),
        {"m": merchant_id, "a": list(agent_ids), "start": start, "end": end},
    )
    return {r.agent_id: dict(r._mapping) for r in result}


async def medians(
    session: AsyncSession, merchant_id: str, agent_ids: Sequence[str], start: datetime, end: datetime
) -> dict[tuple[str, str], float]:
    result = await session.execute(
        text(
            "SELECT agent_id, kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median"
            " FROM routing_metric_facts WHERE merchant_id = :m AND agent_id = ANY(:a)"
            " AND kind IN ('first_response', 'resolved') AND value IS NOT NULL"
            " AND occurred_at >= :start AND occurred_at < :end GROUP BY agent_id, kind"
        ),
        {"m": merchant_id, "a": list(agent_ids), "start": start, "end": end},
    )
    return {(r.agent_id, r.kind): float(r.median) for r in result}


async def loads(session: AsyncSession, merchant_id: str, agent_ids: Sequence[str]) -> dict[str, int]:
    result = await session.execute(
        text("SELECT user_id, load FROM routing_agents WHERE merchant_id = :m AND user_id = ANY(:a)"),
        {"m": merchant_id, "a": list(agent_ids)},
    )
    return {r[0]: r[1] for r in result}
