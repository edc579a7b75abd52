"""Answering by link token: no account, one answer, range checked, expiry 410, a GET records nothing."""

from __future__ import annotations

import asyncio

from ..harness import TicketStream, a_merchant, manager


async def sent_survey(feedback, survey_type: str = "csat", **settings) -> tuple[TicketStream, str]:
    merchant = a_merchant()
    await feedback.configure(merchant, **{survey_type: {"enabled": True, "delay_seconds": 0} | settings})
    ticket = TicketStream(feedback, merchant, assignee_id="agent-9")
    await ticket.created()
    await ticket.resolved()
    return ticket, await feedback.token_for(ticket, survey_type)


async def results(feedback, merchant: str, survey_type: str = "csat") -> dict:
    response = await feedback.http.get(f"/v1/surveys/results?type={survey_type}", headers=manager(merchant))
    assert response.status_code == 200, response.text
    return response.json()["summary"]


async def test_opening_the_link_shows_the_question_and_records_nothing(feedback):
    ticket, token = await sent_survey(feedback, "nps", question="Recommend us?")

    for _ in range(3):  # a link scanner fetching the one-click link
        shown = await feedback.http.get(f"/v1/surveys/{token}?score=10")
        assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["question"] == "Recommend us?" and body["survey_type"] == "nps"
    assert (body["scale_min"], body["scale_max"]) == (0, 10)
    assert body["status"] == "open" and body["proposed_score"] == 10 and body["score"] is None
    assert body["ticket_number"] == 1042
    assert (await results(feedback, ticket.merchant, "nps"))["responses"] == 0
    assert await feedback.staged(ticket.merchant, "survey.responded") == []
    assert [i["status"] for i in await feedback.invitations(ticket)] == ["sent"]


async def test_an_answer_is_recorded_once_and_announced_with_the_assignee(feedback):
    ticket, token = await sent_survey(feedback, "csat")

    answered = await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": 4, "comment": "Quick, thanks"})
    assert answered.status_code == 201, answered.text
    assert answered.json()["score"] == 4 and answered.json()["comment"] == "Quick, thanks"
    again = await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": 1})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    [responded] = await feedback.wait_staged(ticket.merchant, "survey.responded", ticket_id=ticket.id)
    assert responded["agent_id"] == "agent-9" and responded["score"] == 4 and responded["survey_type"] == "csat"
    shown = (await feedback.http.get(f"/v1/surveys/{token}")).json()
    assert shown["status"] == "answered" and shown["score"] == 4
    summary = await results(feedback, ticket.merchant)
    assert summary["responses"] == 1 and summary["score"] == 100.0


async def test_two_answers_at_once_record_one(feedback):
    ticket, token = await sent_survey(feedback, "ces")

    replies = await asyncio.gather(
        *(feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": s}) for s in (2, 3, 4, 5, 6))
    )
    assert sorted(r.status_code for r in replies) == [201, 409, 409, 409, 409]
    assert (await results(feedback, ticket.merchant, "ces"))["responses"] == 1


async def test_scores_outside_the_types_scale_are_refused_and_change_nothing(feedback):
    _, token = await sent_survey(feedback, "csat")

    for score in (0, 6, 11, -1):
        response = await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": score})
        assert response.status_code == 422, response.text
    assert (await feedback.http.get(f"/v1/surveys/{token}?score=9")).status_code == 422
    assert (await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": 5})).status_code == 201


async def test_nps_takes_zero_and_ces_takes_seven(feedback):
    _, nps = await sent_survey(feedback, "nps")
    _, ces = await sent_survey(feedback, "ces")
    assert (await feedback.http.post(f"/v1/surveys/{nps}/responses", json={"score": 0})).status_code == 201
    assert (await feedback.http.post(f"/v1/surveys/{ces}/responses", json={"score": 8})).status_code == 422
    assert (await feedback.http.post(f"/v1/surveys/{ces}/responses", json={"score": 7})).status_code == 201


async def test_an_expired_survey_is_gone(feedback):
    ticket, token = await sent_survey(feedback, "csat", expiry_seconds=1)
    await asyncio.sleep(1.1)

    assert (await feedback.http.get(f"/v1/surveys/{token}")).status_code == 410
    late = await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": 5})
    assert late.status_code == 410
    assert late.json()["type"].endswith("/survey-expired")
    assert (await results(feedback, ticket.merchant))["responses"] == 0


async def test_an_unknown_token_is_not_found(feedback):
    for token in ("not-a-token", "x" * 43, "a" * 500):
        assert (await feedback.http.get(f"/v1/surveys/{token}")).status_code == 404
        response = await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": 3})
        assert response.status_code == 404


async def test_a_comment_with_a_nul_character_is_refused(feedback):
    _, token = await sent_survey(feedback, "csat")
    response = await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": 5, "comment": "a\x00b"})
    assert response.status_code == 422
    assert (await feedback.http.post(f"/v1/surveys/{token}/responses", json={"score": 5})).status_code == 201


async def test_the_token_endpoints_need_no_account_and_ignore_one(feedback):
    _, token = await sent_survey(feedback, "csat")
    response = await feedback.http.get(f"/v1/surveys/{token}", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 200
