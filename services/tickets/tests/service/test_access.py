import pytest

from ..factories import agent, customer, manager, open_ticket


async def test_a_customer_gets_404_for_another_customers_ticket(client):
    theirs = await open_ticket(client, customer("c-b"))
    response = await client.get(f"/v1/tickets/{theirs['id']}", headers=customer("c-a"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    listed = await client.get("/v1/tickets", headers=customer("c-a"))
    assert theirs["id"] not in [t["id"] for t in listed.json()["items"]]


async def test_a_customer_never_sees_an_internal_note(client):
    ticket = await open_ticket(client, customer("c-notes"))
    url = f"/v1/tickets/{ticket['id']}/messages"
    await client.post(
        url, json={"body": "Refund approved, tell them tomorrow", "visibility": "internal"}, headers=agent()
    )
    await client.post(url, json={"body": "We are on it!", "visibility": "public"}, headers=agent())
    seen_by_customer = (await client.get(url, headers=customer("c-notes"))).json()
    seen_by_agent = (await client.get(url, headers=agent())).json()
    assert [m["body"] for m in seen_by_customer] == ["We are on it!"]
    assert len(seen_by_agent) == 2


async def test_a_customer_posting_an_internal_note_is_forbidden(client):
    ticket = await open_ticket(client, customer("c-sneaky"))
    response = await client.post(
        f"/v1/tickets/{ticket['id']}/messages",
        json={"body": "hi", "visibility": "internal"},
        headers=customer("c-sneaky"),
    )
    assert response.status_code == 403
    assert (await client.get(f"/v1/tickets/{ticket['id']}/messages", headers=agent())).json() == []


@pytest.mark.parametrize("role", ["customer", "agent", "manager"])
async def test_every_role_of_another_merchant_gets_404(client, role):
    who = {"customer": customer, "agent": agent, "manager": manager}[role]("c-x", "merchant-y")
    ticket = await open_ticket(client, customer("c-x", "merchant-x"))
    for method, path, body in [
        ("GET", f"/v1/tickets/{ticket['id']}", None),
        ("GET", f"/v1/tickets/{ticket['id']}/messages", None),
        ("POST", f"/v1/tickets/{ticket['id']}/messages", {"body": "hello"}),
    ]:
        response = await client.request(method, path, json=body, headers=who)
        assert response.status_code == 404, (method, path, response.text)
    if role != "customer":
        moved = await client.post(f"/v1/tickets/{ticket['id']}/status", json={"status": "in_progress"}, headers=who)
        assert moved.status_code == 404
