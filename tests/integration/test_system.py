"""All six services started together as `make up` starts them: one ticket reaches every consumer."""

from __future__ import annotations

from helpdesk_servicekit.testing.plugin import bearer

MERCHANT = "m-system"
CUSTOMER = bearer("cust-sys", MERCHANT, "customer", email="cust-sys@example.com", name="Cas Tomer", locale="en")


async def test_every_service_is_ready_and_a_new_ticket_reaches_each_consumer(system):
    for name in ("tickets", "sla", "routing", "knowledge", "feedback", "notify"):
        response = await getattr(system, name).get("/readyz")
        assert response.status_code == 200, (name, response.text)
    created = await system.tickets.post(
        "/v1/tickets",
        json={"subject": "Parcel never arrived", "description": "Tracking says delivered", "priority": "high"},
        headers=CUSTOMER,
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]
    tap = system.tap
    assert tap is not None
    for event_type in ("ticket.created", "knowledge.articles_suggested", "routing.ticket_queued"):
        bodies = await tap.wait_for(1, event_type, timeout=20)
        assert any(
            (b["payload"].get("ticket_id") or b["payload"].get("ticket", {}).get("ticket_id")) == ticket_id
            for b in bodies
        ), event_type
    created_event = tap.bodies("ticket.created")[0]["payload"]["ticket"]
    assert created_event["customer_email"] == "cust-sys@example.com" and created_event["locale"] == "en"
    assert created_event["description"] == "Tracking says delivered"
