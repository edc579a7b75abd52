import uuid
from datetime import UTC, datetime

from helpdesk_contracts import SlaEscalationRequested, SlaMetric
from helpdesk_servicekit.testing.tap import EventTap

from ..factories import agent, consumers_ready, customer, history, manager, move, open_ticket, publish, sql, wait_until


async def processed(client, event_id: str) -> bool:
    return bool(await sql(client, "SELECT 1 FROM processed_events WHERE event_id = :e", e=uuid.UUID(event_id)))


def breach(ticket_id: str, level: int = 2) -> SlaEscalationRequested:
    return SlaEscalationRequested(
        ticket_id=ticket_id, level=level, metric=SlaMetric.FIRST_RESPONSE, breached_at=datetime.now(UTC)
    )


async def test_escalation_requested_twice_for_the_same_breach_raises_the_level_once(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-esc"))
    async with EventTap(amqp_url, amqp_namespace, "ticket.escalated") as tap:
        first = await publish(amqp_url, amqp_namespace, breach(ticket["id"]), producer="sla")
        second = await publish(amqp_url, amqp_namespace, breach(ticket["id"]), producer="sla")
        await wait_until(lambda: processed(client, first))
        await wait_until(lambda: processed(client, second))
        await tap.wait_for(1)
        await tap.settle(1.0)
    after = (await client.get(f"/v1/tickets/{ticket['id']}", headers=manager())).json()
    assert after["escalation_level"] == 2
    mine = [b["payload"] for b in tap.bodies() if b["payload"]["ticket"]["ticket_id"] == ticket["id"]]
    assert len(mine) == 1
    assert (mine[0]["from_level"], mine[0]["level"], mine[0]["reason"], mine[0]["metric"]) == (
        1,
        2,
        "sla_breach",
        "first_response",
    )
    assert len([h for h in await history(client, ticket["id"]) if h["field"] == "escalation_level"]) == 1


async def test_a_manager_escalates_manually_but_never_downgrades(client, amqp_url, amqp_namespace):
    ticket = await open_ticket(client, customer("c-esc-2"))
    url = f"/v1/tickets/{ticket['id']}/escalations"
    async with EventTap(amqp_url, amqp_namespace, "ticket.escalated") as tap:
        up = await client.post(url, json={"level": 3, "reason": "VIP customer"}, headers=manager())
        assert up.status_code == 201 and up.json()["escalation_level"] == 3
        await tap.wait_for(1)
    assert tap.bodies()[0]["payload"]["reason"] == "manual"
    assert "VIP customer" not in str(tap.bodies()[0])
    down = await client.post(url, json={"level": 2}, headers=manager())
    assert down.status_code == 409 and down.json()["current_level"] == 3
    same = await client.post(url, json={"level": 3}, headers=manager())
    assert same.status_code == 409
    assert (await client.post(url, json={"level": 4}, headers=manager())).status_code == 422
    assert (await client.post(url, json={"level": 3}, headers=agent())).status_code == 403
    after = (await client.get(f"/v1/tickets/{ticket['id']}", headers=manager())).json()
    assert after["escalation_level"] == 3 and after["version"] == up.json()["version"]


async def test_an_sla_request_for_a_lower_level_than_a_manual_escalation_changes_nothing(
    client, amqp_url, amqp_namespace
):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-esc-3"))
    raised = await client.post(f"/v1/tickets/{ticket['id']}/escalations", json={"level": 3}, headers=manager())
    event_id = await publish(amqp_url, amqp_namespace, breach(ticket["id"], level=2), producer="sla")
    await wait_until(lambda: processed(client, event_id))
    after = (await client.get(f"/v1/tickets/{ticket['id']}", headers=manager())).json()
    assert after["escalation_level"] == 3 and after["version"] == raised.json()["version"]


async def test_a_closed_ticket_is_not_escalated(client):
    ticket = await open_ticket(client, customer("c-esc-4"))
    await move(client, ticket["id"], "resolved", "closed")
    response = await client.post(f"/v1/tickets/{ticket['id']}/escalations", json={"level": 2}, headers=manager())
    assert response.status_code == 409
