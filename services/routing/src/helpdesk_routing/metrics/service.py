"""Agent performance over a date range: counts from the daily rollups, medians from the facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel

from helpdesk_contracts import Role
from helpdesk_routing.directory import repository as directory
from helpdesk_routing.metrics import repository as repo
from helpdesk_routing.text import first_of_cursor
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Forbidden, NotFound, Unprocessable
from helpdesk_servicekit.pagination import Page, encode_cursor

MAX_DAYS = 366


class AgentMetrics(BaseModel):
    agent_id: str
    from_date: date
    to_date: date
    assigned: int
    resolved: int
    reopened: int
    median_first_response_seconds: float | None
    median_resolution_seconds: float | None
    sla_breaches: int
    csat_average: float | None
    csat_count: int
    current_load: int


def date_range(start: date | None, end: date | None) -> tuple[date, date]:
    """Inclusive dates; default the last 30 days. 422 when reversed or longer than a year."""
    end = end or utcnow().date()
    if end >= date.max - timedelta(days=1):
        raise Unprocessable("to is out of range", errors=[{"field": "query.to", "message": "out of range"}])
    start = start or max(date.min, end - timedelta(days=29))
    if start > end:
        raise Unprocessable("from is after to", errors=[{"field": "query.from", "message": "must not be after to"}])
    if (end - start).days >= MAX_DAYS:
        message = f"a range covers at most {MAX_DAYS} days"
        raise Unprocessable(message, errors=[{"field": "query.to", "message": message}])
    return start, end


async def _metrics(
    sessions: Sessions, merchant_id: str, agent_ids: list[str], start: date, end: date
) -> list[AgentMetrics]:
    lower = datetime.combine(start, time.min, UTC)
    upper = datetime.combine(end + timedelta(days=1), time.min, UTC)
    async with unit_of_work(sessions) as session:
        totals = await repo.totals(session, merchant_id, agent_ids, start, end)
        medians = await repo.medians(session, merchant_id, agent_ids, lower, upper)
        loads = await repo.loads(session, merchant_id, agent_ids)
    items = []
    for agent_id in agent_ids:
        t = totals.get(agent_id, {})
        csat_count = int(t.get("csat_count") or 0)
        items.append(
            AgentMetrics(
                agent_id=agent_id,
                from_date=start,
                to_date=end,
                assigned=int(t.get("assigned") or 0),
                resolved=int(t.get("resolved") or 0),
                reopened=int(t.get("reopened") or 0),
                median_first_response_seconds=medians.get((agent_id, "first_response")),
                median_resolution_seconds=medians.get((agent_id, "resolved")),
                sla_breaches=int(t.get("sla_breaches") or 0),
                csat_average=round(int(t["csat_sum"]) / csat_count, 3) if csat_count else None,
                csat_count=csat_count,
                current_load=loads.get(agent_id, 0),
            )
        )
    return items


async def agent_metrics(
    sessions: Sessions, principal: Principal, agent_id: str, start: date | None, end: date | None
) -> AgentMetrics:
    if principal.role is not Role.MANAGER and principal.user_id != agent_id:
        raise Forbidden("agents read only their own metrics")
    span = date_range(start, end)
    async with unit_of_work(sessions) as session:
        if await directory.get_agent(session, principal.merchant_id, agent_id) is None:
            raise NotFound(f"agent {agent_id} not found")
    return (await _metrics(sessions, principal.merchant_id, [agent_id], *span))[0]


async def team_metrics(
    sessions: Sessions, principal: Principal, start: date | None, end: date | None, limit: int, cursor: str | None
) -> Page[AgentMetrics]:
    """Managers: every active agent, by user id; an agent: only their own line."""
    span = date_range(start, end)
    after = first_of_cursor(cursor)
    async with unit_of_work(sessions) as session:
        rows = await directory.list_agents(
            session,
            principal.merchant_id,
            after=after,
            limit=limit + 1,
            visible_groups=None,
            self_id=None,
            group_id=None,
            status=None,
        )
    ids = [r.user_id for r in rows[:limit]]
    if principal.role is not Role.MANAGER:
        ids = [i for i in ids if i == principal.user_id]
    items = await _metrics(sessions, principal.merchant_id, ids, *span) if ids else []
    more = len(rows) > limit and principal.role is Role.MANAGER
    return Page(items=items, next_cursor=encode_cursor(ids[-1]) if more and ids else None)
