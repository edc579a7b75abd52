from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from helpdesk_contracts import make_envelope
from helpdesk_contracts.feedback import SurveyResponded
from helpdesk_contracts.sla import SlaBreached
from helpdesk_routing.metrics.rebuild import rebuild

from ..harness import Routing, Ticket, a_merchant, agent, manager

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)


async def a_worked_ticket(routing: Routing, m: str, first_response: timedelta, resolution: timedelta) -> Ticket:
    ticket = Ticket(m, created_at=T0)
    await routing.apply(*ticket.created())
    await routing.apply(*ticket.assigned("ann", at=T0 + timedelta(seconds=5)))
    await routing.apply(*ticket.replied("ann", at=T0 + first_response))
    await routing.apply(*ticket.moved("resolved", at=T0 + resolution))
    return ticket


async def test_agent_metrics_come_from_ticket_sla_and_survey_events(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    await routing.add_agent(m, "bob", group_ids=[group["id"]], status="offline")
    first = await a_worked_ticket(routing, m, timedelta(minutes=10), timedelta(hours=1))
    second = await a_worked_ticket(routing, m, timedelta(minutes=30), timedelta(hours=3))
    await routing.apply(*second.moved("reopened", at=T0 + timedelta(hours=4)))
    breach = SlaBreached(ticket_id=second.id, metric="resolution", at=T0 + timedelta(hours=4), business_seconds_used=1)  # type: ignore[arg-type]
    breached = (make_envelope(breach, merchant_id=m, producer="sla"), breach)
    await routing.apply(*breached)
    for ticket, score in ((first, 5), (second, 2)):
        survey = SurveyResponded(
            invitation_id=uuid.uuid4(), ticket_id=ticket.id, survey_type="csat", score=score, agent_id="ann",
            responded_at=T0 + timedelta(hours=4),
        )
        await routing.apply(make_envelope(survey, merchant_id=m, producer="feedback"), survey)
    assert not await routing.apply(*breached)  # a redelivery counts once

    since, until = T0.date().isoformat(), (T0 + timedelta(hours=5)).date().isoformat()
    expected = {
        "agent_id": "ann",
        "assigned": 2,
        "resolved": 2,
        "reopened": 1,
        "median_first_response_seconds": 1200.0,
        "median_resolution_seconds": 7200.0,
        "sla_breaches": 1,
        "csat_average": 3.5,
        "csat_count": 2,
        "current_load": 1,
    }
    mine = await routing.http.get(f"/v1/agents/ann/metrics?from={since}&to={until}", headers=agent(m, "ann"))
    assert mine.status_code == 200, mine.text
    assert mine.json().items() >= expected.items()
    team = await routing.http.get("/v1/agents/metrics", headers=manager(m))
    assert [line["agent_id"] for line in team.json()["items"]] == ["ann", "bob"]
    assert team.json()["items"][1]["assigned"] == 0
    own_line = await routing.http.get("/v1/agents/metrics", headers=agent(m, "bob"))
    assert [line["agent_id"] for line in own_line.json()["items"]] == ["bob"]
    assert (await routing.http.get("/v1/agents/ann/metrics", headers=agent(m, "bob"))).status_code == 403
    assert (await routing.http.get("/v1/agents/ann/metrics", headers=manager(a_merchant()))).status_code == 404

    async with routing.sessions() as session:
        await session.execute(text("UPDATE routing_agent_daily SET assigned = 99 WHERE merchant_id = :m"), {"m": m})
        await session.commit()
    await rebuild(routing.sessions, m)
    rebuilt = await routing.http.get(f"/v1/agents/ann/metrics?from={since}&to={until}", headers=manager(m))
    assert rebuilt.json() == mine.json()


async def test_metric_ranges_are_validated(routing: Routing) -> None:
    m = a_merchant()
    await routing.add_agent(m, "ann")
    for query in ("from=2026-02-01&to=2026-01-01", "from=2020-01-01&to=2026-01-01", "from=yesterday"):
        response = await routing.http.get(f"/v1/agents/ann/metrics?{query}", headers=manager(m))
        assert response.status_code == 422, query
