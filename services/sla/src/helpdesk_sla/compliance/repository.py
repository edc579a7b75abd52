"""The only place with the compliance query: one pass over the merchant's clocks started in a window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

_MET_IN_TIME = "met_at IS NOT NULL AND business_seconds_used <= target_seconds"

_QUERY = f"""
SELECT priority, metric,
       count(*) AS clocks,
       count(*) FILTER (WHERE {_MET_IN_TIME}) AS met_within_target,
       count(*) FILTER (WHERE NOT ({_MET_IN_TIME}) AND (breached_at IS NOT NULL OR met_at IS NOT NULL)) AS missed,
       count(*) FILTER (WHERE breached_at IS NOT NULL) AS breached,
       count(*) FILTER (WHERE state IN ('running', 'paused') AND breached_at IS NULL) AS open,
       count(*) FILTER (WHERE state = 'stopped' AND breached_at IS NULL) AS stopped,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY business_seconds_used) FILTER (WHERE met_at IS NOT NULL)
           AS median_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY business_seconds_used) FILTER (WHERE met_at IS NOT NULL)
           AS p90_seconds
FROM sla_clocks
WHERE merchant_id = :m AND started_at >= :start AND started_at < :end
  AND (CAST(:priorities AS text[]) IS NULL OR priority = ANY(CAST(:priorities AS text[])))
GROUP BY priority, metric
ORDER BY priority, metric
"""


async def compliance(
    session: AsyncSession, merchant_id: str, start: datetime, end: datetime, priorities: Sequence[str] | None
) -> list[Row[Any]]:
    rows = await session.execute(
        text(_QUERY),
        {"m": merchant_id, "start": start, "end": end, "priorities": list(priorities) if priorities else None},
    )
    return list(rows.all())
