"""A customer's contact details come from their token's identity claims, never from the request body."""

from helpdesk_servicekit.testing.plugin import bearer
from helpdesk_servicekit.testing.tap import EventTap

from ..factories import a_ticket, agent, open_ticket, sql


def customer_with_claims(sub: str) -> dict[str, str]:
    return bearer(sub, "m1", "customer", email=f"{sub}@example.com", name="Grete Straße", locale="de-DE")


async def test_identity_claims_fill_the_ticket_and_reach_ticket_created(client, amqp_url, amqp_namespace):
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        ticket = await open_ticket(client, customer_with_claims("c-claims"), description="The zip broke")
        await tap.wait_for(1)
    assert (ticket["customer_email"], ticket["customer_name"], ticket["locale"]) == (
        "c-claims@example.com",
        "Grete Straße",
        "de-DE",
    )
    event = next(b for b in tap.bodies() if b["payload"]["ticket"]["ticket_id"] == ticket["id"])
    snapshot = event["payload"]["ticket"]
    assert snapshot["customer_email"] == "c-claims@example.com"
    assert snapshot["customer_name"] == "Grete Straße"
    assert snapshot["locale"] == "de-DE"
    assert snapshot["description"] == "The zip broke"


async def test_a_token_without_claims_leaves_the_contact_details_empty(client):
    ticket = await open_ticket(client, bearer("c-bare", "m1", "customer"))
    assert (ticket["customer_email"], ticket["customer_name"], ticket["locale"]) == (None, None, None)


async def test_a_customer_cannot_type_someone_elses_address_or_name(client):
    who = customer_with_claims("c-typed")
    for field, value in (("customer_email", "boss@example.com"), ("customer_name", "Boss"), ("locale", "fr")):
        response = await client.post("/v1/tickets", json=a_ticket(**{field: value}), headers=who)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [f"body.{field}"]
    assert await sql(client, "SELECT 1 FROM tickets WHERE customer_id = 'c-typed'") == []


async def test_staff_opening_on_behalf_of_a_customer_give_the_contact_details(client):
    ticket = await open_ticket(
        client,
        agent(),
        customer_id="c-phone",
        customer_email="caller@example.com",
        customer_name="Caller",
        locale="en-GB",
    )
    assert (ticket["customer_id"], ticket["customer_email"], ticket["customer_name"], ticket["locale"]) == (
        "c-phone",
        "caller@example.com",
        "Caller",
        "en-GB",
    )
    stored = await client.get(f"/v1/tickets/{ticket['id']}", headers=agent())
    assert stored.json()["locale"] == "en-GB"
