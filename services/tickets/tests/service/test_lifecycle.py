import pytest
from sqlalchemy import text

from helpdesk_contracts import TicketStatus
from helpdesk_servicekit.testing.tap import EventTap
from helpdesk_tickets.domain.lifecycle import TRANSITIONS

from ..factories import agent, customer, open_ticket

ALL = list(TicketStatus)


async def force_status(client, ticket_id: str, status: TicketStatus) -> None:
    async with client.app.state.sessions() as session:
        await session.execute(
            text("UPDATE tickets SET status = :s WHERE id = :id"), {"s": status.value, "id": ticket_id}
        )
        await session.commit()


@pytest.mark.parametrize("current", ALL)
async def test_every_transition_outside_the_table_is_a_409_and_changes_nothing(client, current):
    ticket = await open_ticket(client, customer("c-lifecycle"))
    await force_status(client, ticket["id"], current)
    before = (await client.get(f"/v1/tickets/{ticket['id']}", headers=agent())).json()
    for target in [t for t in ALL if t not in TRANSITIONS[current]]:
        response = await client.post(f"/v1/tickets/{ticket['id']}/status", json={"status": target}, headers=agent())
        assert response.status_code == 409, (current, target)
        problem = response.json()
        assert problem["type"].endswith("/invalid-transition")
        assert sorted(problem["allowed"]) == sorted(s.value for s in TRANSITIONS[current])
    after = (await client.get(f"/v1/tickets/{ticket['id']}", headers=agent())).json()
    assert after == before


@pytest.mark.parametrize("current", ALL)
async def test_every_allowed_transition_emits_status_changed_with_from_and_to(
    client, current, amqp_url, amqp_namespace
):
    targets = sorted(TRANSITIONS[current])
    tickets = []
    for _ in targets:
        ticket = await open_ticket(client, customer("c-allowed"))
        await force_status(client, ticket["id"], current)
        tickets.append(ticket)
    async with EventTap(amqp_url, amqp_namespace, "ticket.status_changed") as tap:
        for ticket, target in zip(tickets, targets, strict=True):
            response = await client.post(f"/v1/tickets/{ticket['id']}/status", json={"status": target}, headers=agent())
            assert response.status_code == 200, response.text
            assert response.json()["status"] == target
        await tap.wait_for(len(targets))
    seen = {
        (b["payload"]["ticket"]["ticket_id"], b["payload"]["from_status"], b["payload"]["to_status"])
        for b in tap.bodies()
    }
    assert seen == {(t["id"], current.value, target.value) for t, target in zip(tickets, targets, strict=True)}


async def test_a_customer_cannot_change_status_directly(client):
    ticket = await open_ticket(client, customer("c-status"))
    response = await client.post(
        f"/v1/tickets/{ticket['id']}/status", json={"status": "resolved"}, headers=customer("c-status")
    )
    assert response.status_code == 403
