import pytest
from sqlalchemy.exc import DBAPIError

from ..factories import PNG, agent, customer, history, manager, move, open_ticket, reply, sql, upload


async def test_every_kind_of_change_appends_a_history_row(client):
    category = (await client.post("/v1/categories", json={"name": "Damage"}, headers=manager())).json()
    ticket = await open_ticket(client, customer("c-audit"))
    tid = ticket["id"]
    await client.patch(
        f"/v1/tickets/{tid}",
        json={"priority": "urgent", "category_id": category["id"], "tags": ["Fragile"], "subject": "Broken vase"},
        headers=agent(),
    )
    await client.post(f"/v1/tickets/{tid}/assignment", json={"agent_id": "agent-1"}, headers=agent())
    await client.post(f"/v1/tickets/{tid}/escalations", json={"level": 2, "reason": "angry"}, headers=manager())
    uploaded = (await upload(client, tid, customer("c-audit"), PNG)).json()
    await reply(client, tid, customer("c-audit"), "photo", attachment_ids=[uploaded["id"]])
    await reply(client, tid, agent(), "check stock", visibility="internal")
    await client.post(
        f"/v1/tickets/{tid}/compensations",
        json={"type": "voucher", "amount": "10.00", "currency": "EUR", "reason": "sorry"},
        headers=agent(),
    )
    await move(client, tid, "in_progress", "resolved")
    await client.post(f"/v1/tickets/{tid}/resolution", json={"accepted": True}, headers=customer("c-audit"))
    rows = await history(client, tid)
    fields = {r["field"] for r in rows}
    assert fields >= {
        "created",
        "priority",
        "category",
        "tags",
        "subject",
        "assignee",
        "status",
        "escalation_level",
        "attachment",
        "message",
        "note",
        "compensation",
        "resolution",
    }
    priority = next(r for r in rows if r["field"] == "priority")
    assert (priority["old_value"], priority["new_value"], priority["actor_id"], priority["actor_role"]) == (
        "normal",
        "urgent",
        "agent-1",
        "agent",
    )
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)


async def test_the_api_offers_no_way_to_alter_history(client):
    ticket = await open_ticket(client, customer("c-ro"))
    rows = await history(client, ticket["id"])
    url = f"/v1/tickets/{ticket['id']}/history"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = await client.request(method, url, json={"field": "status"}, headers=manager())
        assert response.status_code == 405, method
        response = await client.request(method, f"{url}/{rows[0]['id']}", json={}, headers=manager())
        assert response.status_code in (404, 405), method
    assert await history(client, ticket["id"]) == rows
    paths = client.app.openapi()["paths"]
    assert {p: sorted(ops) for p, ops in paths.items() if "history" in p} == {
        "/v1/tickets/{ticket_id}/history": ["get"]
    }


@pytest.mark.parametrize(
    "statement",
    ["UPDATE ticket_history SET actor_id = 'someone-else'", "DELETE FROM ticket_history", "TRUNCATE ticket_history"],
)
async def test_the_database_itself_refuses_to_change_history(client, statement):
    ticket = await open_ticket(client, customer("c-db"))
    before = await history(client, ticket["id"])
    with pytest.raises(DBAPIError, match="append-only"):
        await sql(client, statement)
    assert await history(client, ticket["id"]) == before


async def test_history_is_for_staff_and_paginates(client):
    ticket = await open_ticket(client, customer("c-pages"))
    for status in ("in_progress", "waiting_customer", "in_progress", "waiting_third_party", "in_progress"):
        await move(client, ticket["id"], status)
    url = f"/v1/tickets/{ticket['id']}/history"
    assert (await client.get(url, headers=customer("c-pages"))).status_code == 403
    first = (await client.get(url, params={"limit": 4}, headers=agent())).json()
    second = (await client.get(url, params={"limit": 4, "cursor": first["next_cursor"]}, headers=agent())).json()
    assert len(first["items"]) == 4 and len(second["items"]) == 2 and second["next_cursor"] is None
    assert second["items"][-1]["field"] == "created"
