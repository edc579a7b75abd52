import uuid
from datetime import UTC, datetime, timedelta

from helpdesk_contracts import RoutingAssignmentDecided
from helpdesk_servicekit.testing.tap import EventTap

from ..factories import agent, consumers_ready, customer, history, manager, open_ticket, publish, sql, wait_until


async def read(client, ticket_id):
    return (await client.get(f"/v1/tickets/{ticket_id}", headers=manager())).json()


async def processed(client, event_id: str) -> bool:
    rows = await sql(client, "SELECT 1 FROM processed_events WHERE event_id = :e", e=uuid.UUID(event_id))
    return bool(rows)


async def test_a_routing_decision_assigns_a_new_ticket_once_and_emits_assigned_then_status_changed(
    client, amqp_url, amqp_namespace
):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-route"))
    decision = RoutingAssignmentDecided(ticket_id=ticket["id"], agent_id="agent-7", ticket_version=1)
    async with EventTap(amqp_url, amqp_namespace, "ticket.#") as tap:
        event_id = await publish(amqp_url, amqp_namespace, decision)
        await wait_until(lambda: processed(client, event_id))
        after = await read(client, ticket["id"])
        assert after["assignee_id"] == "agent-7" and after["status"] == "assigned"
        await wait_until(lambda: _both_arrived(tap, ticket["id"]))
        await tap.settle()
    mine = [
        b
        for b in tap.bodies()
        if b["payload"]["ticket"]["ticket_id"] == ticket["id"] and b["event_type"] != "ticket.created"
    ]
    assert [b["event_type"] for b in mine] == ["ticket.assigned", "ticket.status_changed"]
    assert mine[0]["payload"]["source"] == "routing" and mine[0]["payload"]["assignee_id"] == "agent-7"
    assert [b["payload"]["ticket"]["ticket_version"] for b in mine] == [2, 3]
    rows = [h for h in await history(client, ticket["id"]) if h["field"] == "assignee"]
    assert len(rows) == 1 and rows[0]["actor_role"] == "system"


async def _both_arrived(tap, ticket_id) -> bool:
    types = {b["event_type"] for b in tap.bodies() if b["payload"]["ticket"]["ticket_id"] == ticket_id}
    return {"ticket.assigned", "ticket.status_changed"} <= types


async def test_the_same_routing_event_delivered_twice_is_applied_once(client, amqp_url, amqp_namespace):
    from helpdesk_contracts import make_envelope
    from helpdesk_servicekit.broker import AmqpPublisher, Topology

    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-route-dup"))
    envelope = make_envelope(
        RoutingAssignmentDecided(ticket_id=ticket["id"], agent_id="agent-7", ticket_version=1),
        merchant_id="m1",
        producer="routing",
    )
    publisher = AmqpPublisher(amqp_url, Topology(amqp_namespace))
    try:
        for _ in range(2):
            await publisher.publish_envelope(envelope.model_dump(mode="json"))
    finally:
        await publisher.close()
    await wait_until(lambda: processed(client, str(envelope.event_id)))
    await wait_until(lambda: _queue_drained(client))
    assert (await read(client, ticket["id"]))["version"] == 3
    assert len([h for h in await history(client, ticket["id"]) if h["field"] == "assignee"]) == 1


async def _queue_drained(client) -> bool:
    import asyncio

    await asyncio.sleep(0.5)
    return True


async def test_a_routing_decision_older_than_a_manual_assignment_is_ignored(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-manual"))
    manual = await client.post(
        f"/v1/tickets/{ticket['id']}/assignment", json={"agent_id": "agent-boss-pick"}, headers=manager()
    )
    assert manual.status_code == 200
    stale = RoutingAssignmentDecided(ticket_id=ticket["id"], agent_id="agent-robot", ticket_version=1)
    event_id = await publish(amqp_url, amqp_namespace, stale)
    await wait_until(lambda: processed(client, event_id))
    after = await read(client, ticket["id"])
    assert after["assignee_id"] == "agent-boss-pick"
    assert after["version"] == manual.json()["version"]


async def test_a_routing_decision_made_after_the_manual_assignment_applies(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-manual-2"))
    manual = (
        await client.post(f"/v1/tickets/{ticket['id']}/assignment", json={"agent_id": "agent-a"}, headers=manager())
    ).json()
    newer = RoutingAssignmentDecided(ticket_id=ticket["id"], agent_id="agent-l2", ticket_version=manual["version"])
    event_id = await publish(amqp_url, amqp_namespace, newer)
    await wait_until(lambda: processed(client, event_id))
    assert (await read(client, ticket["id"]))["assignee_id"] == "agent-l2"


async def test_an_out_of_order_older_routing_event_changes_nothing(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-order"))
    await client.post(f"/v1/tickets/{ticket['id']}/messages", json={"body": "more"}, headers=customer("c-order"))
    now = datetime.now(UTC)
    newer = RoutingAssignmentDecided(ticket_id=ticket["id"], agent_id="agent-new", ticket_version=2)
    older = RoutingAssignmentDecided(ticket_id=ticket["id"], agent_id="agent-old", ticket_version=1)
    first = await publish(amqp_url, amqp_namespace, newer, occurred_at=now)
    await wait_until(lambda: processed(client, first))
    before = await read(client, ticket["id"])
    second = await publish(amqp_url, amqp_namespace, older, occurred_at=now - timedelta(seconds=5))
    await wait_until(lambda: processed(client, second))
    after = await read(client, ticket["id"])
    assert after["assignee_id"] == "agent-new"
    assert after["version"] == before["version"]


async def test_a_routing_event_for_an_unknown_ticket_is_acknowledged_and_ignored(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    decision = RoutingAssignmentDecided(ticket_id=uuid.uuid4(), agent_id="agent-7", ticket_version=1)
    event_id = await publish(amqp_url, amqp_namespace, decision)
    await wait_until(lambda: processed(client, event_id))


async def test_manual_assignment_and_unassignment_emit_ticket_assigned(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-self"))
    url = f"/v1/tickets/{ticket['id']}/assignment"
    async with EventTap(amqp_url, amqp_namespace, "ticket.assigned") as tap:
        taken = await client.post(url, json={"agent_id": "agent-1"}, headers=agent("agent-1"))
        assert taken.status_code == 200 and taken.json()["status"] == "assigned"
        again = await client.post(url, json={"agent_id": "agent-1"}, headers=agent("agent-1"))
        assert again.json()["version"] == taken.json()["version"]
        released = await client.delete(url, headers=agent("agent-1"))
        assert released.json()["assignee_id"] is None and released.json()["status"] == "new"
        await tap.wait_for(2)
        await tap.settle()
    mine = [b["payload"] for b in tap.bodies() if b["payload"]["ticket"]["ticket_id"] == ticket["id"]]
    assert [(p["previous_assignee_id"], p["assignee_id"], p["source"]) for p in mine] == [
        (None, "agent-1", "manual"),
        ("agent-1", None, "manual"),
    ]


async def test_a_closed_ticket_cannot_be_assigned(client):
    from ..factories import move

    ticket = await open_ticket(client, customer("c-closed"))
    await move(client, ticket["id"], "resolved", "closed")
    response = await client.post(
        f"/v1/tickets/{ticket['id']}/assignment", json={"agent_id": "agent-1"}, headers=manager()
    )
    assert response.status_code == 409
