"""WebSockets: auth, isolation, replay with ?since=, dead sockets, and fan-out across replicas."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from ..harness import LiveClient, TicketStory, a_merchant, applied, eventually, serving, token


async def test_a_bad_token_is_refused_with_4401(notify):
    for url in (notify.ws_url("not-a-token"), notify.ws_url()):
        async with websockets.connect(url) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_the_token_may_come_in_the_subprotocol_header(notify, publisher):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant)
    await applied(notify.sessions, await ticket.created())
    async with LiveClient(notify.ws_url(), subprotocols=["bearer", token("cust-1", merchant, "customer")]) as live:
        await applied(notify.sessions, await ticket.replied("agent-1"))
        await eventually(lambda: live.frames)
    assert live.kinds() == ["agent_reply"]


async def test_a_user_never_receives_another_users_or_another_merchants_notifications(notify, publisher):
    merchant, other_merchant = a_merchant(), a_merchant()
    mine = TicketStory(publisher, merchant, customer_id="cust-1")
    theirs = TicketStory(publisher, merchant, customer_id="cust-2")
    elsewhere = TicketStory(publisher, other_merchant, customer_id="cust-1")
    await applied(notify.sessions, await mine.created(), await theirs.created(), await elsewhere.created())
    async with LiveClient(notify.ws_url(token("cust-1", merchant, "customer"))) as live:
        await applied(notify.sessions, await theirs.replied("agent-1"), await elsewhere.replied("agent-1"))
        await applied(notify.sessions, await mine.replied("agent-1", body="for you"))
        await eventually(lambda: live.frames)
    assert [f["body"] for f in live.frames] == ["for you"]
    assert [n["body"] for n in await notify.inbox("cust-1", merchant, "customer")] == ["for you"]
    [other] = await notify.inbox("cust-2", merchant, "customer")
    response = await notify.http.post(
        f"/v1/notifications/{other['id']}/read",
        headers={"Authorization": f"Bearer {token('cust-1', merchant, 'customer')}"},
    )
    assert response.status_code == 404


async def test_reconnecting_with_since_replays_what_was_missed_first(notify, publisher):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant)
    await applied(notify.sessions, await ticket.created())
    await applied(notify.sessions, await ticket.replied("agent-1", body="one"))
    [first] = await notify.inbox("cust-1", merchant, "customer")
    await applied(notify.sessions, await ticket.replied("agent-1", body="two"))
    await applied(notify.sessions, await ticket.replied("agent-1", body="three"))
    async with LiveClient(notify.ws_url(token("cust-1", merchant, "customer"), since=first["id"])) as live:
        assert live.hello is not None and live.hello["replayed"] == 2
        await applied(notify.sessions, await ticket.replied("agent-1", body="four"))
        await eventually(lambda: len(live.frames) == 3)
    assert [f["body"] for f in live.frames] == ["two", "three", "four"]


async def test_a_silent_socket_is_pinged_and_dropped(notify_database, notify_settings, own_namespace):
    settings = notify_settings(
        await notify_database(), own_namespace, ws_ping_seconds=0.2, ws_pong_timeout_seconds=0.5
    )
    async with serving(settings) as service:
        merchant = a_merchant()
        async with websockets.connect(service.ws_url(token("u1", merchant, "agent"))) as silent:
            frames = []
            with pytest.raises(ConnectionClosed):
                while True:
                    frames.append(json.loads(await asyncio.wait_for(silent.recv(), 5)))
            assert {"type": "ping"} in frames
        await eventually(lambda: service.app.state.live.connections == 0)


async def test_a_user_connected_to_one_replica_gets_what_another_replica_consumed(
    notify_database, notify_settings, own_namespace, publisher_for
):
    database = await notify_database()
    api_only = notify_settings(database, own_namespace, role="api")
    worker_only = notify_settings(database, own_namespace, role="worker")
    publisher = await publisher_for(own_namespace)
    async with serving(api_only) as a, serving(worker_only) as b:
        merchant = a_merchant()
        ticket = TicketStory(publisher, merchant)
        await applied(b.sessions, await ticket.created())
        async with LiveClient(a.ws_url(token("cust-1", merchant, "customer"))) as on_a:
            await applied(b.sessions, await ticket.replied("agent-1", body="via B"))
            await eventually(lambda: on_a.frames)
        assert [f["body"] for f in on_a.frames] == ["via B"]
        assert not any(t.get_name() == "consumers" for t in a.app.state.runtime.tasks)
