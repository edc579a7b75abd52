import uuid

import pytest

from helpdesk_servicekit.testing.tap import EventTap

from ..factories import agent, customer, history, manager, open_ticket


def compensation(**overrides):
    return {"type": "refund", "amount": "20.00", "currency": "EUR", "reason": "late delivery"} | overrides


async def test_a_compensation_below_the_threshold_is_issued_at_once_and_emitted(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-comp"), order_id="o-77")
    async with EventTap(amqp_url, amqp_namespace, "ticket.compensation_issued") as tap:
        response = await client.post(f"/v1/tickets/{ticket['id']}/compensations", json=compensation(), headers=agent())
        assert response.status_code == 201 and response.json()["status"] == "issued"
        await tap.wait_for(1)
    payload = tap.bodies()[0]["payload"]
    assert (payload["amount"], payload["currency"], payload["order_id"]) == ("20.00", "EUR", "o-77")


async def test_above_the_threshold_it_waits_for_a_manager_and_is_emitted_on_approval(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-big"))
    url = f"/v1/tickets/{ticket['id']}/compensations"
    async with EventTap(amqp_url, amqp_namespace, "ticket.compensation_issued") as tap:
        pending = await client.post(url, json=compensation(amount="120.00"), headers=agent())
        assert pending.json()["status"] == "pending_approval"
        await tap.settle(1.0)
        assert tap.bodies() == []
        decision = f"{url}/{pending.json()['id']}/decision"
        assert (await client.post(decision, json={"approved": True}, headers=agent())).status_code == 403
        approved = await client.post(decision, json={"approved": True, "comment": "ok"}, headers=manager())
        assert approved.status_code == 200 and approved.json()["status"] == "issued"
        again = await client.post(decision, json={"approved": False}, headers=manager())
        assert again.status_code == 409
        await tap.wait_for(1)
        await tap.settle()
    assert len(tap.bodies()) == 1


async def test_a_rejected_compensation_is_never_emitted(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-rej"))
    url = f"/v1/tickets/{ticket['id']}/compensations"
    async with EventTap(amqp_url, amqp_namespace, "ticket.compensation_issued") as tap:
        pending = (await client.post(url, json=compensation(amount="999.99"), headers=agent())).json()
        rejected = await client.post(f"{url}/{pending['id']}/decision", json={"approved": False}, headers=manager())
        assert rejected.json()["status"] == "rejected"
        await tap.settle(1.0)
    assert tap.bodies() == []


async def test_the_same_idempotency_key_twice_issues_once(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-idem"))
    url = f"/v1/tickets/{ticket['id']}/compensations"
    headers = agent() | {"Idempotency-Key": str(uuid.uuid4())}
    async with EventTap(amqp_url, amqp_namespace, "ticket.compensation_issued") as tap:
        first = await client.post(url, json=compensation(), headers=headers)
        second = await client.post(url, json=compensation(), headers=headers)
        await tap.wait_for(1)
        await tap.settle(1.0)
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert len(tap.bodies()) == 1
    listed = (await client.get(url, headers=agent())).json()
    assert len(listed["items"]) == 1


async def test_a_listing_totals_issued_and_pending_amounts_per_currency(client):
    ticket = await open_ticket(client, customer("c-totals"))
    url = f"/v1/tickets/{ticket['id']}/compensations"
    for body in (
        compensation(amount="10.5"),
        compensation(amount="4.50"),
        compensation(amount="300", currency="JPY"),
        compensation(amount="75.00"),
    ):
        assert (await client.post(url, json=body, headers=agent())).status_code == 201
    listed = (await client.get(url, headers=manager())).json()
    assert listed["totals"] == [
        {"currency": "EUR", "issued": "15.00", "pending_approval": "75.00"},
        {"currency": "JPY", "issued": "0", "pending_approval": "300"},
    ]


async def test_the_approval_threshold_is_a_merchant_setting(client):
    await client.put(
        "/v1/tickets/settings",
        json={"approval_threshold": "5", "approval_thresholds": {"JPY": "1000"}},
        headers=manager(),
    )
    ticket = await open_ticket(client, customer("c-thr"))
    url = f"/v1/tickets/{ticket['id']}/compensations"
    eur = await client.post(url, json=compensation(amount="6.00"), headers=agent())
    jpy = await client.post(url, json=compensation(amount="900", currency="JPY"), headers=agent())
    by_manager = await client.post(url, json=compensation(amount="60.00"), headers=manager())
    assert [eur.json()["status"], jpy.json()["status"], by_manager.json()["status"]] == [
        "pending_approval",
        "issued",
        "issued",
    ]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": "0"}, "body.amount"),
        ({"amount": "-5"}, "body.amount"),
        ({"amount": "10.001"}, "body.amount"),
        ({"amount": "10.5", "currency": "JPY"}, "body.amount"),
        ({"amount": "1e3"}, None),
        ({"currency": "XYZ"}, "body.currency"),
        ({"currency": "euro"}, "body.currency"),
        ({"type": "cash"}, "body.type"),
        ({"amount": "NaN"}, "body.amount"),
        ({"reason": ""}, "body.reason"),
    ],
)
async def test_a_bad_amount_or_currency_is_a_422_and_issues_nothing(client, body, field):
    ticket = await open_ticket(client, customer("c-bad"))
    url = f"/v1/tickets/{ticket['id']}/compensations"
    response = await client.post(url, json=compensation(**body), headers=agent())
    if field is None:
        assert response.status_code == 201 and response.json()["amount"] == "1000.00"
        return
    assert response.status_code == 422, response.text
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()
    assert (await client.get(url, headers=agent())).json()["items"] == []
    assert not [h for h in await history(client, ticket["id"]) if h["field"] == "compensation"]
