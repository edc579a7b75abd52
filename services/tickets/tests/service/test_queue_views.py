from datetime import UTC, datetime, timedelta

import pytest

from ..factories import agent, customer, manager, move, open_ticket, reply, sql


async def ids(client, who=None, **params) -> list[str]:
    response = await client.get("/v1/tickets", params=params, headers=who or agent("agent-q"))
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["items"]]


async def assign(client, ticket_id, agent_id):
    await client.post(f"/v1/tickets/{ticket_id}/assignment", json={"agent_id": agent_id}, headers=manager())


async def test_the_agent_queue_shows_my_open_work_by_sla_due_with_undated_tickets_last(client):
    now = datetime.now(UTC)
    mine = []
    for minutes in (30, None, 5, 60):
        ticket = await open_ticket(client, customer("c-q"))
        await assign(client, ticket["id"], "agent-q")
        if minutes is not None:
            due = now + timedelta(minutes=minutes)
            await sql(client, "UPDATE tickets SET sla_due_at = :d WHERE id = :id", d=due, id=ticket["id"])
        mine.append(ticket["id"])
    await move(client, mine[3], "in_progress")
    done = await open_ticket(client, customer("c-q"))
    await assign(client, done["id"], "agent-q")
    await move(client, done["id"], "resolved")
    theirs = await open_ticket(client, customer("c-q"))
    await assign(client, theirs["id"], "agent-other")
    queue = await ids(client, assignee="me", status=["assigned", "in_progress"], sort="sla_due")
    assert queue == [mine[2], mine[0], mine[3], mine[1]]
    paged, cursor = [], None
    while True:
        params = {"assignee": "me", "status": ["assigned", "in_progress"], "sort": "sla_due", "limit": 1}
        response = (
            await client.get(
                "/v1/tickets", params=params | ({"cursor": cursor} if cursor else {}), headers=agent("agent-q")
            )
        ).json()
        paged += [t["id"] for t in response["items"]]
        cursor = response["next_cursor"]
        if cursor is None:
            break
    assert paged == queue
    assert await ids(client, assignee="none") == []
    assert set(await ids(client, assignee="agent-other")) == {theirs["id"]}


@pytest.mark.parametrize(
    "sort", ["created", "-created", "updated", "-updated", "priority", "-priority", "sla_due", "-sla_due"]
)
async def test_every_sort_pages_through_every_ticket_exactly_once(client, sort):
    now = datetime.now(UTC)
    for i, priority in enumerate(["low", "urgent", "normal", "high", "normal", "urgent", "low"]):
        ticket = await open_ticket(client, customer("c-sort"), priority=priority)
        if i % 2:
            await sql(
                client,
                "UPDATE tickets SET sla_due_at = :d WHERE id = :id",
                d=now + timedelta(minutes=i % 3),
                id=ticket["id"],
            )
    everything = await ids(client, sort=sort, limit=200)
    paged, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/tickets", params=params, headers=agent())).json()
        paged += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == everything and len(set(paged)) == 7
    other = "created" if sort.lstrip("-") != "created" else "updated"
    first = (await client.get("/v1/tickets", params={"sort": sort, "limit": 2}, headers=agent())).json()
    mismatch = await client.get("/v1/tickets", params={"sort": other, "cursor": first["next_cursor"]}, headers=agent())
    assert mismatch.status_code == 422


async def test_filters_narrow_the_queue(client):
    category = (await client.post("/v1/categories", json={"name": "Returns"}, headers=manager())).json()
    a = await open_ticket(
        client, customer("c-f1"), priority="urgent", order_id="o-1", tags=["VIP"], category_id=category["id"]
    )
    b = await open_ticket(client, customer("c-f2"), priority="low", product_id="p-9")
    await client.post(f"/v1/tickets/{b['id']}/escalations", json={"level": 3}, headers=manager())
    await sql(client, "UPDATE tickets SET sla_state = 'breached' WHERE id = :id", id=b["id"])
    assert await ids(client, priority="urgent") == [a["id"]]
    assert await ids(client, priority=["urgent", "low"]) == [b["id"], a["id"]]
    assert await ids(client, order_id="o-1") == [a["id"]]
    assert await ids(client, product_id="p-9") == [b["id"]]
    assert await ids(client, tag="vip") == [a["id"]]
    assert await ids(client, category_id=category["id"]) == [a["id"]]
    assert await ids(client, escalation_level=3) == [b["id"]]
    assert await ids(client, sla_state="breached") == [b["id"]]
    assert await ids(client, customer_id="c-f2") == [b["id"]]
    assert await ids(client, status="new") == [b["id"], a["id"]]
    assert await ids(client, created_from=a["created_at"], created_to=b["created_at"]) == [a["id"]]
    late = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await ids(client, updated_from=late) == []
    assert await ids(client, who=customer("c-f1"), customer_id="c-f2") == [a["id"]]
    assert (await client.get("/v1/tickets", params={"sla_state": "late"}, headers=agent())).status_code == 422


async def test_text_search_covers_subject_and_public_messages_and_internal_notes_for_staff_only(client):
    boiler = await open_ticket(client, customer("c-s"), subject="Boiler makes a noise")
    parcel = await open_ticket(client, customer("c-s"), subject="Where is my parcel")
    await reply(client, parcel["id"], agent(), "The courier lost the package")
    await reply(client, parcel["id"], agent(), "Warehouse confirms reimbursement", visibility="internal")
    assert await ids(client, q="boiler") == [boiler["id"]]
    assert await ids(client, q="packages") == [parcel["id"]]
    assert await ids(client, q="reimbursement") == [parcel["id"]]
    assert await ids(client, q="reimbursement", search_internal="false") == []
    assert await ids(client, who=customer("c-s"), q="reimbursement") == []
    assert await ids(client, who=customer("c-s"), q="courier") == [parcel["id"]]
    assert await ids(client, who=customer("c-other"), q="courier") == []
    assert await ids(client, q='"lost the package" -boiler') == [parcel["id"]]
    renamed = await client.patch(f"/v1/tickets/{boiler['id']}", json={"subject": "Heating broken"}, headers=agent())
    assert renamed.status_code == 200
    assert await ids(client, q="heating") == [boiler["id"]]
    assert await ids(client, q="boiler") == []
