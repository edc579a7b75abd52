"""Survey results from the rollups: a period's score, counts and response rate, and the same per day."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from helpdesk_contracts import Role
from helpdesk_feedback.domain import scoring
from helpdesk_feedback.domain.scoring import Tally
from helpdesk_feedback.domain.surveys import SCALES
from helpdesk_feedback.results import repository
from helpdesk_feedback.results.schemas import DayResult, ResultsRead, Summary
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Forbidden, Unprocessable

FORMULAS = {
    "csat": "100 x responses scoring 4-5 / responses",
    "nps": "100 x (promoters 9-10 - detractors 0-6) / responses",
    "ces": "sum of scores / responses",
}
DEFAULT_DAYS = 30


def _figures(survey_type: str, tally: Tally) -> dict[str, object]:
    return {
        "responses": tally.responses,
        "score": scoring.score(survey_type, tally),
        "invited": tally.invited,
        "answered": tally.answered,
        "response_rate": scoring.response_rate(tally),
        "breakdown": scoring.breakdown(survey_type, tally),
    }


def period(first: date | None, last: date | None, max_days: int) -> tuple[date, date]:
    """The days asked for (UTC): the last 30 by default, at most `max_days`."""
    try:
        last = last or (first + timedelta(days=DEFAULT_DAYS - 1) if first else utcnow().date())
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    except OverflowError:
        message = "the period runs outside the calendar"
        raise Unprocessable(message, errors=[{"field": "query.from", "message": message}]) from None
    if first > last:
        message = "`from` must not be after `to`"
        raise Unprocessable(message, errors=[{"field": "query.from", "message": message}])
    if (last - first).days + 1 > max_days:
        message = f"a results period covers at most {max_days} days"
        raise Unprocessable(message, errors=[{"field": "query.to", "message": message}])
    return first, last


def scope_agent(principal: Principal, agent_id: str | None) -> str | None:
    """Managers see anyone's results; an agent only their own."""
    if principal.role is Role.MANAGER:
        return agent_id
    if principal.role is Role.AGENT:
        if agent_id is not None and agent_id != principal.user_id:
            raise Forbidden("agents see only their own survey results")
        return principal.user_id
    raise Forbidden("survey results are for agents and managers")


async def results(
    sessions: Sessions,
    principal: Principal,
    survey_type: str,
    first: date | None,
    last: date | None,
    agent_id: str | None,
    category_id: uuid.UUID | None,
    max_days: int,
) -> ResultsRead:
    agent_id = scope_agent(principal, agent_id)
    first, last = period(first, last, max_days)
    async with unit_of_work(sessions) as session:
        tallies = await repository.daily_tallies(
            session, principal.merchant_id, survey_type, first, last, agent_id, category_id
        )
    total = sum(tallies.values(), Tally())
    low, high = SCALES[survey_type]
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        days.append(DayResult(date=day, **_figures(survey_type, tallies.get(day, Tally()))))  # type: ignore[arg-type]
    summary = Summary(
        distribution={str(s): total.counts[s] for s in range(low, high + 1)},
        **_figures(survey_type, total),  # type: ignore[arg-type]
    )
    return ResultsRead(
        survey_type=survey_type,  # type: ignore[arg-type]
        formula=FORMULAS[survey_type],
        from_date=first,
        to_date=last,
        agent_id=agent_id,
        category_id=category_id,
        summary=summary,
        days=days,
    )
