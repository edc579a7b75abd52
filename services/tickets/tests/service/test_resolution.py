import asyncio
from datetime import UTC, datetime, timedelta

from helpdesk_servicekit.testing.tap import EventTap
from helpdesk_tickets.main import build

from ..factories import agent, customer, manager, move, open_ticket, reply, resolved_ticket, sql, wait_until
from ..harness import serving


async def status_of(client, ticket_id) -> str:
    return (await client.get(f"/v1/tickets/{ticket_id}", headers=manager())).json()["status"]


async def test_the_customer_accepting_the_resolution_closes_the_ticket(client):
    ticket = await resolved_ticket(client, customer("c-yes"))
    url = f"/v1/tickets/{ticket['id']}/resolution"
    answer = await client.post(url, json={"accepted": True, "comment": "Thanks!"}, headers=customer("c-yes"))
    assert answer.status_code == 200 and answer.json()["status"] == "closed"
    messages = (await client.get(f"/v1/tickets/{ticket['id']}/messages", headers=customer("c-yes"))).json()
    assert [m["body"] for m in messages] == ["Thanks!"]
    assert (await client.post(url, json={"accepted": True}, headers=customer("c-yes"))).status_code == 409
    assert not await sql(client, "SELECT 1 FROM timers WHERE key = :k", k=ticket["id"])


async def test_the_customer_rejecting_the_resolution_reopens_the_ticket(client):
    ticket = await resolved_ticket(client, customer("c-no"))
    answer = await client.post(
        f"/v1/tickets/{ticket['id']}/resolution", json={"accepted": False}, headers=customer("c-no")
    )
    assert answer.status_code == 200 and answer.json()["status"] == "reopened"
    assert not await sql(client, "SELECT 1 FROM timers WHERE key = :k", k=ticket["id"])


async def test_an_unresolved_ticket_cannot_be_confirmed(client):
    ticket = await open_ticket(client, customer("c-early"))
    response = await client.post(
        f"/v1/tickets/{ticket['id']}/resolution", json={"accepted": True}, headers=customer("c-early")
    )
    assert response.status_code == 409


async def test_a_customer_reply_reopens_a_closed_ticket_within_the_reopen_window(client):
    ticket = await resolved_ticket(client, customer("c-window"))
    await move(client, ticket["id"], "closed")
    response = await reply(client, ticket["id"], customer("c-window"), "It broke again")
    assert response.status_code == 201
    assert await status_of(client, ticket["id"]) == "reopened"


async def test_after_the_reopen_window_a_customer_reply_is_refused_with_a_problem(client):
    ticket = await resolved_ticket(client, customer("c-late"))
    await move(client, ticket["id"], "closed")
    long_ago = datetime.now(UTC) - timedelta(days=15)
    await sql(client, "UPDATE tickets SET closed_at = :t WHERE id = :id", t=long_ago, id=ticket["id"])
    response = await reply(client, ticket["id"], customer("c-late"), "Still broken")
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/reopen-window-expired") and "new ticket" in problem["detail"]
    assert await status_of(client, ticket["id"]) == "closed"
    assert (await client.get(f"/v1/tickets/{ticket['id']}/messages", headers=agent())).json() == []
    staff = await client.post(f"/v1/tickets/{ticket['id']}/status", json={"status": "reopened"}, headers=agent())
    assert staff.status_code == 409


async def test_the_reopen_window_is_a_merchant_setting(client):
    saved = await client.put("/v1/tickets/settings", json={"reopen_window_seconds": 0}, headers=manager())
    assert saved.status_code == 200 and saved.json()["overridden"] == ["reopen_window_seconds"]
    ticket = await resolved_ticket(client, customer("c-strict"))
    await move(client, ticket["id"], "closed")
    await asyncio.sleep(0.05)
    assert (await reply(client, ticket["id"], customer("c-strict"))).status_code == 409


async def test_an_unanswered_resolution_closes_itself_once_with_two_instances_running(
    tickets_settings, amqp_url, amqp_namespace
):
    settings = tickets_settings(auto_close_seconds=2)
    async with (
        EventTap(amqp_url, amqp_namespace, "ticket.status_changed") as tap,
        serving(build(settings)) as one,
        serving(build(settings)) as two,
    ):
        tickets = [await resolved_ticket(one, customer("c-auto")) for _ in range(3)]
        ids = {t["id"] for t in tickets}

        async def all_closed() -> bool:
            return all([await status_of(two, t) == "closed" for t in ids])

        await wait_until(all_closed, timeout=60)
        await tap.settle(2.0)
    closings = [
        b["payload"]
        for b in tap.bodies()
        if b["payload"]["ticket"]["ticket_id"] in ids and b["payload"]["to_status"] == "closed"
    ]
    assert sorted(p["ticket"]["ticket_id"] for p in closings) == sorted(ids)
    assert {p["actor_id"] for p in closings} == {"system:auto-close"}
    rows = await sql(one, "SELECT count(*) FROM ticket_history WHERE field = 'status' AND new_value = '\"closed\"'")
    assert rows[0][0] == 3


async def test_no_auto_close_when_the_customer_replied_first(tickets_settings, amqp_url, amqp_namespace):
    async with serving(build(tickets_settings(auto_close_seconds=1))) as client:
        ticket = await resolved_ticket(client, customer("c-replied"))
        assert (await reply(client, ticket["id"], customer("c-replied"), "wait, no")).status_code == 201
        assert await status_of(client, ticket["id"]) == "reopened"
        await asyncio.sleep(3)
        assert await status_of(client, ticket["id"]) == "reopened"


async def test_the_auto_close_timer_survives_a_restart(tickets_settings):
    settings = tickets_settings(auto_close_seconds=2)
    async with serving(build(settings)) as first:
        ticket = await resolved_ticket(first, customer("c-restart"))
    async with serving(build(settings)) as second:
        await wait_until(lambda: _closed(second, ticket["id"]), timeout=60)


async def _closed(client, ticket_id) -> bool:
    return await status_of(client, ticket_id) == "closed"
