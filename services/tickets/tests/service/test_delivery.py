import asyncio
from urllib.parse import urlparse

from helpdesk_servicekit.testing.proxy import TcpProxy
from helpdesk_servicekit.testing.tap import EventTap
from helpdesk_tickets.main import build

from ..factories import agent, customer, open_ticket
from ..harness import serving


async def test_tickets_are_created_while_the_broker_is_down_and_published_once_in_order_when_it_returns(
    tickets_settings, amqp_url, amqp_namespace
):
    broker = urlparse(amqp_url)
    proxy = await TcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672).start()
    proxied = amqp_url.replace(f"{broker.hostname}:{broker.port}", f"127.0.0.1:{proxy.port}")
    app = build(tickets_settings(amqp_url=proxied))
    async with EventTap(amqp_url, amqp_namespace, "ticket.#") as tap, serving(app) as client:
        await proxy.cut()
        tickets = [await open_ticket(client, customer("c-outage")) for _ in range(3)]
        first = tickets[0]["id"]
        for status in ("in_progress", "waiting_customer", "in_progress", "resolved"):
            moved = await client.post(f"/v1/tickets/{first}/status", json={"status": status}, headers=agent())
            assert moved.status_code == 200, moved.text
        await asyncio.sleep(1.0)
        assert [b for b in tap.bodies() if b["payload"]["ticket"]["customer_id"] == "c-outage"] == []

        await proxy.restore()
        await tap.wait_for(7, timeout=30)
        await tap.settle(1.0)

    mine = [b for b in tap.bodies() if b["payload"]["ticket"]["customer_id"] == "c-outage"]
    assert len(mine) == 7
    assert len({b["event_id"] for b in mine}) == 7
    versions = [b["payload"]["ticket"]["ticket_version"] for b in mine if b["payload"]["ticket"]["ticket_id"] == first]
    assert versions == [1, 2, 3, 4, 5]
    await proxy.close()
