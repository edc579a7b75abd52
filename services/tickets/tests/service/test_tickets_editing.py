import uuid

from helpdesk_servicekit.testing.tap import EventTap

from ..factories import agent, customer, manager, open_ticket


async def test_patch_changes_fields_and_emits_one_updated_event_naming_them(client, amqp_url, amqp_namespace):
    category = (await client.post("/v1/categories", json={"name": "Billing"}, headers=manager())).json()
    ticket = await open_ticket(client, customer("c-edit"), tags=["a"])
    async with EventTap(amqp_url, amqp_namespace, "ticket.updated") as tap:
        response = await client.patch(
            f"/v1/tickets/{ticket['id']}",
            json={"priority": "high", "category_id": category["id"], "tags": ["A", "Second Tag"], "subject": "Billing"},
            headers=agent(),
        )
        assert response.status_code == 200, response.text
        noop = await client.patch(f"/v1/tickets/{ticket['id']}", json={"priority": "high"}, headers=agent())
        await tap.wait_for(1)
        await tap.settle()
    body = response.json()
    assert (body["priority"], body["category_id"], body["tags"], body["version"]) == (
        "high",
        category["id"],
        ["a", "second-tag"],
        2,
    )
    assert noop.json()["version"] == 2
    events = [b["payload"] for b in tap.bodies() if b["payload"]["ticket"]["ticket_id"] == ticket["id"]]
    assert len(events) == 1 and sorted(events[0]["changed"]) == ["category_id", "priority", "subject", "tags"]


async def test_tags_are_added_and_removed_case_insensitively(client):
    ticket = await open_ticket(client, customer("c-tags"))
    url = f"/v1/tickets/{ticket['id']}/tags"
    added = await client.post(url, json={"tags": ["VIP", "  Needs   Callback ", "vip"]}, headers=agent())
    assert added.json()["tags"] == ["vip", "needs-callback"]
    removed = await client.delete(f"{url}/VIP", headers=agent())
    assert removed.json()["tags"] == ["needs-callback"]
    unchanged = await client.delete(f"{url}/absent", headers=agent())
    assert unchanged.json()["version"] == removed.json()["version"]


async def test_a_ticket_can_only_use_an_active_category_of_its_merchant(client):
    theirs = (await client.post("/v1/categories", json={"name": "X"}, headers=manager(merchant="m2"))).json()
    mine = (await client.post("/v1/categories", json={"name": "Y"}, headers=manager())).json()
    refused = await client.post("/v1/tickets", json={"subject": "s", "category_id": theirs["id"]}, headers=customer())
    assert refused.status_code == 422
    await client.delete(f"/v1/categories/{mine['id']}", headers=manager())
    archived = await client.post("/v1/tickets", json={"subject": "s", "category_id": mine["id"]}, headers=customer())
    assert archived.status_code == 422
    assert (await client.get("/v1/tickets", headers=manager())).json()["items"] == []


async def test_categories_are_managed_by_managers(client):
    created = await client.post("/v1/categories", json={"name": "Shipping"}, headers=manager())
    assert created.status_code == 201
    duplicate = await client.post("/v1/categories", json={"name": "shipping"}, headers=manager())
    assert duplicate.status_code == 409
    child = await client.post(
        "/v1/categories", json={"name": "Late parcels", "parent_id": created.json()["id"]}, headers=manager()
    )
    assert child.status_code == 201
    cycle = await client.patch(
        f"/v1/categories/{created.json()['id']}", json={"parent_id": child.json()["id"]}, headers=manager()
    )
    assert cycle.status_code == 422
    renamed = await client.patch(f"/v1/categories/{created.json()['id']}", json={"name": "Delivery"}, headers=manager())
    assert renamed.json()["name"] == "Delivery"
    await client.delete(f"/v1/categories/{child.json()['id']}", headers=manager())
    assert [c["name"] for c in (await client.get("/v1/categories", headers=customer())).json()] == ["Delivery"]
    everything = await client.get("/v1/categories", params={"include_inactive": True}, headers=manager())
    assert len(everything.json()) == 2
    hidden = await client.get(f"/v1/categories/{child.json()['id']}", headers=customer())
    assert hidden.status_code == 404
    headers = manager() | {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/v1/categories", json={"name": "Once"}, headers=headers)
    second = await client.post("/v1/categories", json={"name": "Once"}, headers=headers)
    assert first.json()["id"] == second.json()["id"]


async def test_settings_fall_back_to_service_defaults(client):
    defaults = (await client.get("/v1/tickets/settings", headers=agent())).json()
    assert (defaults["auto_close_seconds"], defaults["reopen_window_seconds"], defaults["overridden"]) == (
        72 * 3600,
        14 * 86400,
        [],
    )
    changed = await client.put("/v1/tickets/settings", json={"auto_close_seconds": 60}, headers=manager())
    assert changed.json()["auto_close_seconds"] == 60
    reset = await client.put("/v1/tickets/settings", json={}, headers=manager())
    assert reset.json()["auto_close_seconds"] == 72 * 3600
    assert (
        await client.put("/v1/tickets/settings", json={"auto_close_seconds": 0}, headers=manager())
    ).status_code == 422
