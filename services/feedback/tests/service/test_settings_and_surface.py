"""Survey settings (managers), and the service's outer surface: OpenAPI, health, bad input."""

from __future__ import annotations

from ..harness import a_merchant, agent, customer, manager


async def test_a_merchant_starts_with_every_survey_disabled_and_default_questions(feedback):
    merchant = a_merchant()
    response = await feedback.http.get("/v1/surveys/settings", headers=manager(merchant))

    assert response.status_code == 200
    body = response.json()
    assert {t: body[t]["enabled"] for t in ("csat", "nps", "ces")} == {"csat": False, "nps": False, "ces": False}
    assert [(body[t]["scale_min"], body[t]["scale_max"]) for t in ("csat", "nps", "ces")] == [(1, 5), (0, 10), (1, 7)]
    assert body["nps"]["question"].startswith("How likely")
    assert body["csat"]["trigger"] == "resolved" and body["csat"]["include_auto_closed"] is False


async def test_a_change_keeps_the_fields_and_types_it_does_not_name(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 120, "question": "Happy?"})
    body = await feedback.configure(merchant, csat={"expiry_seconds": 86_400}, ces={"trigger": "closed"})

    assert body["csat"] | {"updated_at": None} == {
        "enabled": True, "trigger": "resolved", "delay_seconds": 120, "expiry_seconds": 86_400,
        "question": "Happy?", "include_auto_closed": False, "scale_min": 1, "scale_max": 5, "updated_at": None,
    }
    assert body["ces"]["trigger"] == "closed" and body["ces"]["enabled"] is False
    assert body["nps"]["updated_at"] is None
    other = (await feedback.http.get("/v1/surveys/settings", headers=manager(a_merchant()))).json()
    assert other["csat"]["enabled"] is False


async def test_only_managers_read_or_change_survey_settings(feedback):
    merchant = a_merchant()
    for headers in (agent(merchant), customer(merchant)):
        assert (await feedback.http.get("/v1/surveys/settings", headers=headers)).status_code == 403
        change = await feedback.http.patch("/v1/surveys/settings", json={"csat": {"enabled": True}}, headers=headers)
        assert change.status_code == 403
    assert (await feedback.http.get("/v1/surveys/settings")).status_code == 401


async def test_malformed_settings_are_refused_and_change_nothing(feedback):
    merchant = a_merchant()
    for body in (
        {"csat": {"trigger": "reopened"}},
        {"nps": {"delay_seconds": -1}},
        {"ces": {"expiry_seconds": 0}},
        {"csat": {"question": ""}},
        {"csat": {"question": "a\x00b"}},
        {"csat": {"enabled": True, "colour": "red"}},
        {"stars": {}},
    ):
        response = await feedback.http.patch("/v1/surveys/settings", json=body, headers=manager(merchant))
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    body = (await feedback.http.get("/v1/surveys/settings", headers=manager(merchant))).json()
    assert body["csat"]["enabled"] is False and body["csat"]["updated_at"] is None


async def test_the_openapi_document_lists_every_feedback_route(feedback):
    paths = (await feedback.http.get("/openapi.json")).json()["paths"]
    for path in (
        "/v1/surveys/settings",
        "/v1/surveys/results",
        "/v1/surveys/{token}",
        "/v1/surveys/{token}/responses",
        "/v1/surveys/tickets/{ticket_id}/invitations",
        "/v1/feature-requests",
        "/v1/feature-requests/{request_id}/votes",
        "/v1/feature-requests/{request_id}/status",
        "/v1/feature-requests/{request_id}/merge",
        "/v1/feature-requests/{request_id}/tickets",
    ):
        assert path in paths, path


async def test_the_service_is_alive_and_ready(feedback):
    assert (await feedback.http.get("/healthz")).status_code == 200
    ready = await feedback.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert (await feedback.http.get("/asyncapi.json")).status_code == 200


async def test_nul_characters_in_query_parameters_are_a_client_error(feedback):
    merchant = a_merchant()
    for url in (
        "/v1/surveys/results?type=csat&agent_id=%00",
        "/v1/feature-requests?cursor=%00",
        "/v1/feature-requests?status=open%00",
        "/v1/surveys/abc%00def?score=3",
    ):
        response = await feedback.http.get(url, headers=manager(merchant))
        assert 400 <= response.status_code < 500, (url, response.status_code)
