import uuid

from helpdesk_servicekit.testing.tap import EventTap

from ..factories import a_ticket, agent, customer, open_ticket


async def test_a_ticket_created_over_http_puts_exactly_one_ticket_created_on_the_exchange(
    client, amqp_url, amqp_namespace
):
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        ticket = await open_ticket(client, customer("c-once"))
        events = await tap.wait_for(1)
        await tap.settle()
    mine = [e for e in tap.bodies() if e["payload"]["ticket"]["ticket_id"] == ticket["id"]]
    assert len(mine) == 1
    envelope = mine[0]
    assert {
        "event_id",
        "event_type",
        "schema_version",
        "occurred_at",
        "merchant_id",
        "producer",
        "correlation_id",
        "causation_id",
        "payload",
    } <= envelope.keys()
    assert envelope["event_type"] == "ticket.created"
    assert envelope["merchant_id"] == "m1"
    assert envelope["producer"] == "tickets"
    message = next(m for m in tap.messages if m.message_id == envelope["event_id"])
    assert message.delivery_mode == 2
    assert events


async def test_a_customer_reads_back_the_ticket_they_opened(client):
    ticket = await open_ticket(client, customer("c-read"))
    response = await client.get(f"/v1/tickets/{ticket['id']}", headers=customer("c-read"))
    assert response.status_code == 200
    assert response.json()["subject"] == a_ticket()["subject"]
    assert response.json()["status"] == "new"
    assert response.json()["number"] >= 1


async def test_ticket_numbers_count_up_per_merchant(client):
    first = await open_ticket(client, customer("c-num", merchant="m-num"))
    second = await open_ticket(client, customer("c-num", merchant="m-num"))
    other = await open_ticket(client, customer("c-num", merchant="m-num-2"))
    assert second["number"] == first["number"] + 1
    assert other["number"] == 1


async def test_an_agent_opens_a_ticket_on_behalf_of_a_customer(client):
    ticket = await open_ticket(client, agent(), customer_id="c-phone")
    assert ticket["customer_id"] == "c-phone"
    missing = await client.post("/v1/tickets", json=a_ticket(), headers=agent())
    assert missing.status_code == 422


async def test_the_same_idempotency_key_creates_one_ticket(client):
    headers = customer("c-idem") | {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/v1/tickets", json=a_ticket(), headers=headers)
    second = await client.post("/v1/tickets", json=a_ticket(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    listed = await client.get("/v1/tickets", headers=customer("c-idem"))
    assert len(listed.json()["items"]) == 1
