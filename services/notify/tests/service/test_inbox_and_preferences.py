"""The inbox API and preferences."""

from __future__ import annotations

from helpdesk_servicekit.pagination import encode_cursor

from ..harness import LiveClient, TicketStory, a_merchant, applied, auth, eventually, staff, token


async def test_the_inbox_pages_filters_unread_and_marks_read(notify, publisher):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant)
    await applied(notify.sessions, await ticket.created())
    for body in ("a", "b", "c"):
        await applied(notify.sessions, await ticket.replied("agent-1", body=body))
    me = auth("cust-1", merchant, "customer")
    first = (await notify.http.get("/v1/notifications", params={"limit": 2}, headers=me)).json()
    assert [n["body"] for n in first["items"]] == ["c", "b"]
    rest = (
        await notify.http.get("/v1/notifications", params={"limit": 2, "cursor": first["next_cursor"]}, headers=me)
    ).json()
    assert [n["body"] for n in rest["items"]] == ["a"] and rest["next_cursor"] is None
    assert (await notify.http.get("/v1/notifications/unread-count", headers=me)).json() == {"unread": 3}
    read = await notify.http.post(f"/v1/notifications/{first['items'][0]['id']}/read", headers=me)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    unread = (await notify.http.get("/v1/notifications", params={"unread": "true"}, headers=me)).json()["items"]
    assert [n["body"] for n in unread] == ["b", "a"]
    assert (await notify.http.post("/v1/notifications/read-all", headers=me)).json() == {"marked_read": 2}
    assert (await notify.http.get("/v1/notifications/unread-count", headers=me)).json() == {"unread": 0}


async def test_bad_input_is_a_4xx(notify):
    me = auth("cust-1", a_merchant(), "customer")
    assert (await notify.http.get("/v1/notifications", params={"cursor": "%%%"}, headers=me)).status_code == 422
    assert (await notify.http.get("/v1/notifications", params={"cursor": "\x00"}, headers=me)).status_code in (400, 422)
    assert (await notify.http.post("/v1/notifications/not-a-uuid/read", headers=me)).status_code == 422
    huge = encode_cursor(10**30)
    assert (await notify.http.get("/v1/notifications", params={"cursor": huge}, headers=me)).status_code == 422
    assert (await notify.http.get("/v1/notifications")).status_code == 401
    assert (await notify.http.get("/v1/notifications/deliveries", headers=me)).status_code == 403
    bad = {"preferences": [{"event_type": "ticket.message_added\x00", "channel": "email", "enabled": False}]}
    assert (await notify.http.put("/v1/notifications/preferences", json=bad, headers=me)).status_code == 422
    params = {"recipient_id": "a\x00b"}
    manager = auth("m", a_merchant(), "manager")
    response = await notify.http.get("/v1/notifications/deliveries", params=params, headers=manager)
    assert response.status_code in (400, 422)


async def test_a_channel_turned_off_gets_nothing_and_turned_on_gets_it(notify, publisher, mailbox):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant, customer_email="prefs@example.com")
    await applied(notify.sessions, await ticket.created())
    me = auth("cust-1", merchant, "customer")
    off = {
        "preferences": [
            {"event_type": "ticket.message_added", "channel": channel, "enabled": False}
            for channel in ("email", "websocket", "in_app")
        ]
    }
    response = await notify.http.put("/v1/notifications/preferences", json=off, headers=me)
    assert response.status_code == 200
    assert {
        (p["channel"], p["enabled"], p["source"])
        for p in response.json()["preferences"]
        if p["event_type"] == "ticket.message_added"
    } == {("email", False, "user"), ("websocket", False, "user"), ("in_app", False, "user")}
    async with LiveClient(notify.ws_url(token("cust-1", merchant, "customer"))) as live:
        await applied(notify.sessions, await ticket.replied("agent-1", body="muted"))
        on = {
            "preferences": [
                {"event_type": "ticket.message_added", "channel": c, "enabled": True} for c in ("email", "websocket")
            ]
        }
        assert (await notify.http.put("/v1/notifications/preferences", json=on, headers=me)).status_code == 200
        await applied(notify.sessions, await ticket.replied("agent-1", body="heard"))
        await eventually(lambda: live.frames)
    assert [f["body"] for f in live.frames] == ["heard"]
    assert await notify.inbox("cust-1", merchant, "customer") == []  # in_app stays off
    [mail] = await eventually(lambda: mailbox.to("prefs@example.com"))
    assert "heard" in mail.get_payload()[0].get_payload(decode=True).decode()


async def test_managers_set_merchant_defaults_for_a_role(notify, publisher):
    merchant = a_merchant()
    manager = auth("mgr-1", merchant, "manager")
    defaults = {"preferences": [{"event_type": "sla.breached", "channel": "in_app", "enabled": False}]}
    response = await notify.http.put(
        "/v1/notifications/preferences/defaults", params={"role": "agent"}, json=defaults, headers=manager
    )
    assert response.status_code == 200
    agent_view = (await notify.http.get("/v1/notifications/preferences", headers=auth("a1", merchant, "agent"))).json()
    assert {"event_type": "sla.breached", "channel": "in_app", "enabled": False, "source": "merchant"} in agent_view[
        "preferences"
    ]
    forbidden = await notify.http.put(
        "/v1/notifications/preferences/defaults",
        params={"role": "agent"},
        json=defaults,
        headers=auth("a1", merchant, "agent"),
    )
    assert forbidden.status_code == 403
    await applied(notify.sessions, await staff(publisher, merchant, "mgr-1", role="manager"))
    ticket = TicketStory(publisher, merchant)
    await applied(notify.sessions, await ticket.created())
    assert (await notify.http.get("/v1/notifications/preferences", headers=manager)).status_code == 200
