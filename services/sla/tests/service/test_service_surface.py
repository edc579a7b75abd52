"""The service's outer surface: its OpenAPI document, health, readiness."""


async def test_the_openapi_document_lists_every_sla_route(sla):
    response = await sla.http.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/v1/sla/calendars",
        "/v1/sla/calendars/{calendar_id}/replan",
        "/v1/sla/policies/{policy_id}/versions/{version}",
        "/v1/sla/policies/{policy_id}/replan",
        "/v1/sla/tickets/{ticket_id}",
        "/v1/sla/compliance",
    ):
        assert path in paths


async def test_the_service_is_alive_and_ready(sla):
    assert (await sla.http.get("/healthz")).status_code == 200
    ready = await sla.http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert (await sla.http.get("/asyncapi.json")).status_code == 200
