"""Results: CSAT / NPS / CES and response rate from the rollups, per day, against hand-computed figures."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from helpdesk_feedback.results import repository as rollups

from ..harness import TicketStream, a_merchant, agent, customer, manager


async def answer_surveys(
    feedback, merchant: str, survey_type: str, scores: list[int | None], agent_id: str = "agent-1",
    category_id: uuid.UUID | None = None,
) -> None:
    """Resolve one ticket per score and answer its survey with that score (None: leave it unanswered)."""
    for score in scores:
        ticket = TicketStream(feedback, merchant, assignee_id=agent_id, category_id=category_id)
        await ticket.created()
        await ticket.resolved()
        token = await feedback.token_for(ticket, survey_type)
        if score is not None:
            response = await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": score})
            assert response.status_code == 201, response.text


async def results_of(feedback, merchant: str, headers=None, **query) -> dict:
    response = await feedback.http.get("/v1/surveys/results", params=query, headers=headers or manager(merchant))
    assert response.status_code == 200, response.text
    return response.json()


def today() -> date:
    return datetime.now(UTC).date()


async def test_csat_nps_and_ces_match_hand_computed_figures(feedback):
    merchant = a_merchant()
    await feedback.configure(
        merchant,
        csat={"enabled": True, "delay_seconds": 0},
        nps={"enabled": True, "delay_seconds": 0},
        ces={"enabled": True, "delay_seconds": 0},
    )
    # Each resolution invites all three types; answer only the one under test (the others stay unanswered).
    await answer_surveys(feedback, merchant, "csat", [5, 5, 4, 3, 2, 1, None])
    await answer_surveys(feedback, merchant, "nps", [10, 10, 9, 8, 6, 0])
    await answer_surveys(feedback, merchant, "ces", [1, 2, 7, 7])

    csat = (await results_of(feedback, merchant, type="csat"))["summary"]
    # 3 of 6 answers are 4-5; 17 resolutions invited, 6 answered the CSAT.
    assert (csat["responses"], csat["score"]) == (6, 50.0)
    assert csat["breakdown"] == {"satisfied": 3, "neutral": 1, "dissatisfied": 2}
    assert csat["distribution"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2}
    assert (csat["invited"], csat["answered"], csat["response_rate"]) == (17, 6, 35.29)

    nps = (await results_of(feedback, merchant, type="nps"))["summary"]
    # promoters 3 (10, 10, 9), detractors 2 (6, 0) of 6: 100 x (3 - 2) / 6 = 16.67
    assert (nps["responses"], nps["score"]) == (6, 16.67)
    assert nps["breakdown"] == {"promoters": 3, "passives": 1, "detractors": 2}

    ces = (await results_of(feedback, merchant, type="ces"))["summary"]
    assert (ces["responses"], ces["score"]) == (4, 4.25)  # (1 + 2 + 7 + 7) / 4

    [day] = (await results_of(feedback, merchant, type="csat", **{"from": str(today())}))["days"][:1]
    assert day["date"] == str(today()) and day["score"] == 50.0


async def test_an_empty_period_has_no_score_and_zero_counts(feedback):
    merchant = a_merchant()
    first = today() - timedelta(days=400)
    period = {"from": str(first), "to": str(first + timedelta(days=6))}
    body = await results_of(feedback, merchant, type="nps", **period)

    assert body["summary"] | {"breakdown": None, "distribution": None} == {
        "responses": 0, "score": None, "invited": 0, "answered": 0, "response_rate": None,
        "breakdown": None, "distribution": None,
    }
    assert len(body["days"]) == 7 and all(d["responses"] == 0 and d["score"] is None for d in body["days"])
    assert body["from"] == str(first) and body["formula"].startswith("100 x (promoters")


async def test_days_sum_to_the_period_and_days_without_answers_are_empty(feedback):
    merchant = a_merchant()
    monday = date(2026, 3, 2)
    async with feedback.sessions() as session:
        for day, scores in ((monday, [5, 4, 1]), (monday + timedelta(days=2), [3, 5])):
            bumps = [rollups.Bump(day, "agent-1", None, score=score) for score in scores]
            await rollups.bump(session, merchant, "csat", bumps)
        await rollups.bump(session, merchant, "csat", [rollups.Bump(monday, "agent-1", None, invited=8, answered=5)])
        await session.commit()

    body = await results_of(feedback, merchant, type="csat", **{"from": "2026-03-02", "to": "2026-03-05"})
    assert [(d["date"], d["responses"], d["score"]) for d in body["days"]] == [
        ("2026-03-02", 3, 66.67),
        ("2026-03-03", 0, None),
        ("2026-03-04", 2, 50.0),
        ("2026-03-05", 0, None),
    ]
    assert (body["summary"]["responses"], body["summary"]["score"]) == (5, 60.0)
    assert body["summary"]["response_rate"] == 62.5  # 5 of the 8 invited on the 2nd


async def test_agents_see_their_own_results_and_managers_filter_by_agent_and_category(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 0})
    billing = uuid.uuid4()
    await answer_surveys(feedback, merchant, "csat", [5, 5], agent_id="agent-1", category_id=billing)
    await answer_surveys(feedback, merchant, "csat", [1], agent_id="agent-2")

    own = await results_of(feedback, merchant, headers=agent(merchant, "agent-1"), type="csat")
    assert own["agent_id"] == "agent-1" and own["summary"]["responses"] == 2
    other = await feedback.http.get(
        "/v1/surveys/results", params={"type": "csat", "agent_id": "agent-2"}, headers=agent(merchant, "agent-1")
    )
    assert other.status_code == 403
    assert (await results_of(feedback, merchant, type="csat"))["summary"]["responses"] == 3
    assert (await results_of(feedback, merchant, type="csat", agent_id="agent-2"))["summary"]["score"] == 0.0
    by_category = await results_of(feedback, merchant, type="csat", category_id=str(billing))
    assert by_category["summary"]["responses"] == 2
    both = await results_of(feedback, merchant, type="csat", agent_id="agent-1", category_id=str(billing))
    assert (both["summary"]["responses"], both["summary"]["invited"]) == (2, 2)
    assert (await results_of(feedback, merchant, type="csat", agent_id="agent-2", category_id=str(billing)))[
        "summary"
    ]["responses"] == 0


async def test_customers_cannot_read_results(feedback):
    merchant = a_merchant()
    response = await feedback.http.get("/v1/surveys/results?type=csat", headers=customer(merchant))
    assert response.status_code == 403


async def test_malformed_results_queries_are_refused(feedback):
    merchant = a_merchant()
    for query in (
        {},
        {"type": "stars"},
        {"type": "csat", "from": "2026-03-05", "to": "2026-03-01"},
        {"type": "csat", "from": "2024-01-01", "to": "2026-01-01"},
        {"type": "csat", "from": "9999-12-31"},
        {"type": "csat", "to": "0001-01-01"},
        {"type": "csat", "agent_id": "a\x00b"},
        {"type": "csat", "category_id": "nope"},
    ):
        response = await feedback.http.get("/v1/surveys/results", params=query, headers=manager(merchant))
        assert response.status_code in (400, 422), (query, response.text)
