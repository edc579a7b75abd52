"""Each service's /asyncapi.json lists what it publishes (through its outbox) as well as what it consumes."""

from __future__ import annotations

from helpdesk_contracts import PRODUCERS
from helpdesk_contracts.topology import CONSUMES


async def test_asyncapi_lists_published_and_consumed_events(platform):
    for service in ("tickets", "sla"):
        response = await getattr(platform, service).get("/asyncapi.json")
        assert response.status_code == 200
        document = response.json()
        operations = document["operations"].items()  # keyed "<service>:<event>" or "<service>:publishes:<event>"
        sent = {name.rsplit(":", 1)[-1] for name, op in operations if op["action"] == "send"}
        received = {name.split(":", 1)[-1] for name, op in operations if op["action"] == "receive"}
        assert sent == {m.event_type for m in PRODUCERS[service]}, service
        assert received == set(CONSUMES[service]), (service, received)


async def test_metrics_show_http_latency_consumed_events_and_the_outbox_backlog(platform):
    from helpdesk_servicekit.testing.helpers import eventually
    from helpdesk_servicekit.testing.plugin import bearer

    created = await platform.tickets.post(
        "/v1/tickets", json={"subject": "metrics", "priority": "low"}, headers=bearer("c-met", "m-met", "customer")
    )
    assert created.status_code == 201

    async def consumed() -> str | None:
        text = (await platform.sla.get("/metrics")).text
        return text if 'helpdesk_events_consumed_total{consumer="sla.ticket.created"' in text else None

    await eventually(consumed, timeout=20)
    tickets_metrics = (await platform.tickets.get("/metrics")).text
    for name in (
        "helpdesk_http_request_seconds_bucket",
        "helpdesk_outbox_published_total",
        'helpdesk_outbox_backlog{service="tickets"}',
        'helpdesk_outbox_oldest_unsent_age_seconds{service="tickets"}',
    ):
        assert name in tickets_metrics, name
