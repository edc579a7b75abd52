import uuid

from helpdesk_servicekit.testing.plugin import bearer
from helpdesk_servicekit.testing.tap import EventTap

from ..factories import agent, customer, manager, move, open_ticket, reply, wait_until


async def read(client, ticket_id):
    return (await client.get(f"/v1/tickets/{ticket_id}", headers=manager())).json()


async def test_the_first_public_agent_reply_sets_first_responded_at_and_starts_work(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-first"))
    await client.post(f"/v1/tickets/{ticket['id']}/assignment", json={"agent_id": "agent-1"}, headers=agent())
    async with EventTap(amqp_url, amqp_namespace, "ticket.message_added") as tap:
        await reply(client, ticket["id"], agent(), "internal first", visibility="internal")
        assert (await read(client, ticket["id"]))["first_responded_at"] is None
        await reply(client, ticket["id"], agent(), "We are on it")
        after = await read(client, ticket["id"])
        assert after["first_responded_at"] is not None and after["status"] == "in_progress"
        await reply(client, ticket["id"], agent(), "Still on it")
        await tap.wait_for(3)
    flags = [
        b["payload"]["first_response"] for b in tap.bodies() if b["payload"]["ticket"]["ticket_id"] == ticket["id"]
    ]
    assert flags == [False, True, False]


async def test_an_internal_note_event_never_carries_its_body(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-note"))
    async with EventTap(amqp_url, amqp_namespace, "ticket.message_added") as tap:
        await reply(client, ticket["id"], agent(), "customer is a known fraudster", visibility="internal")
        await tap.wait_for(1)
    payload = tap.bodies()[0]["payload"]
    assert payload["visibility"] == "internal" and payload["body"] is None
    assert "fraudster" not in tap.messages[0].body.decode()


async def test_a_customer_reply_on_a_ticket_waiting_for_them_puts_it_back_in_progress(client):
    ticket = await open_ticket(client, customer("c-wait"))
    await move(client, ticket["id"], "in_progress", "waiting_customer")
    await reply(client, ticket["id"], customer("c-wait"), "here is the photo")
    assert (await read(client, ticket["id"]))["status"] == "in_progress"


async def test_a_customer_reply_on_a_resolved_ticket_reopens_it(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-reopen"))
    resolved = await move(client, ticket["id"], "in_progress", "resolved")

    def after_resolving(body):
        snap = body["payload"]["ticket"]
        return snap["ticket_id"] == ticket["id"] and snap["ticket_version"] > resolved["version"]

    async with EventTap(amqp_url, amqp_namespace, "ticket.#") as tap:
        await reply(client, ticket["id"], customer("c-reopen"), "not fixed")
        await wait_until(lambda: _count(tap, after_resolving, 2))
        await tap.settle()
    mine = [b for b in tap.bodies() if after_resolving(b)]
    assert [(b["event_type"], b["payload"]["ticket"]["status"]) for b in mine] == [
        ("ticket.message_added", "resolved"),
        ("ticket.status_changed", "reopened"),
    ]
    assert mine[1]["payload"]["ticket"]["ticket_version"] == mine[0]["payload"]["ticket"]["ticket_version"] + 1


async def _count(tap, keep, at_least: int) -> bool:
    return len([b for b in tap.bodies() if keep(b)]) >= at_least


async def test_staff_reopen_a_closed_ticket_before_replying_publicly(client):
    ticket = await open_ticket(client, customer("c-closed"))
    await move(client, ticket["id"], "resolved", "closed")
    assert (await reply(client, ticket["id"], agent(), "hello?")).status_code == 409
    assert (await reply(client, ticket["id"], agent(), "note", visibility="internal")).status_code == 201


async def test_the_same_idempotency_key_posts_one_message(client):
    ticket = await open_ticket(client, customer("c-idem-msg"))
    headers = customer("c-idem-msg") | {"Idempotency-Key": str(uuid.uuid4())}
    url = f"/v1/tickets/{ticket['id']}/messages"
    first = await client.post(url, json={"body": "once"}, headers=headers)
    second = await client.post(url, json={"body": "once"}, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert len((await client.get(url, headers=agent())).json()) == 1
    reused = await client.post(url, json={"body": "different"}, headers=headers)
    assert reused.status_code == 422


async def test_contact_details_travel_in_the_ticket_snapshot(client, amqp_url, amqp_namespace):
    who = bearer("c-contact", "m1", "customer", email="ada@example.com", name="Ada")
    async with EventTap(amqp_url, amqp_namespace, "ticket.created") as tap:
        ticket = await open_ticket(client, who, order_id="o-1")
        await tap.wait_for(1)
    snap = next(b for b in tap.bodies() if b["payload"]["ticket"]["ticket_id"] == ticket["id"])["payload"]["ticket"]
    assert (snap["customer_email"], snap["customer_name"], snap["order_id"], snap["sla_state"]) == (
        "ada@example.com",
        "Ada",
        "o-1",
        "on_track",
    )
