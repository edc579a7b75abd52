"""Use case: the SLA compliance report for a reporting consumer."""

from __future__ import annotations

from datetime import datetime, timedelta

from helpdesk_contracts import Priority
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Unprocessable
from helpdesk_sla.compliance import repository
from helpdesk_sla.compliance.schemas import ComplianceReport, MetricCompliance, PriorityCompliance

DEFAULT_WINDOW = timedelta(days=30)
LONGEST_WINDOW = timedelta(days=400)
_ORDER = [p.value for p in (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)]


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The report window: `to` defaults to now, `from` to 30 days before `to`; 422 unless from < to <= 400 days."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            message = "give a time zone (e.g. 2024-05-01T00:00:00Z)"
            raise Unprocessable(f"{name}: {message}", errors=[{"field": f"query.{name}", "message": message}])
    end = end or utcnow()
    start = start or end - DEFAULT_WINDOW
    if start >= end:
        raise Unprocessable("from must be before to", errors=[{"field": "query.from", "message": "must be before to"}])
    if end - start > LONGEST_WINDOW:
        message = f"the window may span {LONGEST_WINDOW.days} days at most"
        raise Unprocessable(message, errors=[{"field": "query.from", "message": message}])
    return start, end


async def report(
    sessions: Sessions,
    principal: Principal,
    start: datetime | None,
    end: datetime | None,
    priorities: list[Priority] | None,
) -> ComplianceReport:
    start, end = window(start, end)
    async with unit_of_work(sessions) as session:
        rows = await repository.compliance(
            session, principal.merchant_id, start, end, [p.value for p in priorities] if priorities else None
        )
    by_priority: dict[str, PriorityCompliance] = {}
    for row in rows:
        entry = by_priority.setdefault(row.priority, PriorityCompliance(priority=row.priority))
        decided = row.met_within_target + row.missed
        setattr(
            entry,
            row.metric,
            MetricCompliance(
                clocks=row.clocks,
                met_within_target=row.met_within_target,
                missed=row.missed,
                breached=row.breached,
                open=row.open,
                stopped=row.stopped,
                met_percent=round(100 * row.met_within_target / decided, 2) if decided else None,
                median_seconds=_rounded(row.median_seconds),
                p90_seconds=_rounded(row.p90_seconds),
            ),
        )
    ordered = sorted(by_priority.values(), key=lambda e: _ORDER.index(e.priority) if e.priority in _ORDER else 99)
    return ComplianceReport(from_=start, to=end, priorities=ordered)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
