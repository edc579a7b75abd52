"""sla's database unreachable while tickets keeps producing events: nothing is parked, every ticket gets its
clocks once the database is back (the delivery limit is 2 here, so counting outage retries would park them)."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.engine import make_url

from helpdesk_servicekit.broker import Topology
from helpdesk_servicekit.deadletters import dead_count
from helpdesk_servicekit.testing.helpers import a_merchant, agent, customer, eventually, manager
from helpdesk_servicekit.testing.plugin import running, service_settings
from helpdesk_servicekit.testing.proxy import TcpProxy
from helpdesk_sla.main import build as build_sla
from helpdesk_sla.settings import SlaSettings

from .conftest import platform_of

OUTAGE_SECONDS = 15


async def test_an_sla_database_outage_parks_nothing_and_every_ticket_gets_its_clocks(
    database_factory, amqp_url, amqp_namespace
):
    merchant = a_merchant()
    url = make_url(await database_factory("outage_sla"))
    proxy = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = service_settings(
        SlaSettings, database_url=through_proxy, amqp_url=amqp_url, namespace=amqp_namespace, amqp_delivery_limit=2
    )
    async with contextlib.AsyncExitStack() as stack:
        platform = await stack.enter_async_context(
            platform_of(("tickets",), database_factory, amqp_url, amqp_namespace, amqp_delivery_limit=2)
        )
        sla = await stack.enter_async_context(running(build_sla(settings)))
        stack.push_async_callback(proxy.close)
        policy = await sla.post(
            "/v1/sla/policies",
            json={"name": "Normal", "priority": "normal", "first_response_seconds": 3600, "resolution_seconds": 86400},
            headers=manager(merchant),
        )
        assert policy.status_code == 201, policy.text

        async def open_ticket(n: int) -> str:
            created = await platform.tickets.post(
                "/v1/tickets", json={"subject": f"parcel {n}"}, headers=customer(merchant, f"c{n}")
            )
            assert created.status_code == 201, created.text
            return str(created.json()["id"])

        async def has_clocks(ticket_id: str) -> bool:
            answer = await sla.get(f"/v1/sla/tickets/{ticket_id}", headers=agent(merchant))
            return answer.status_code == 200 and bool(answer.json().get("clocks"))

        before = await open_ticket(0)
        await eventually(lambda: has_clocks(before), timeout=20)

        await proxy.cut()
        during = []
        for n in range(1, 11):
            during.append(await open_ticket(n))  # tickets keeps taking tickets and publishing their events
            await asyncio.sleep(OUTAGE_SECONDS / 10)
        assert platform.tap is not None
        await platform.tap.wait_for(11, "ticket.created", timeout=20)
        await proxy.restore()

        async def all_have_clocks() -> bool:
            return all([await has_clocks(t) for t in during])

        await eventually(all_have_clocks, timeout=60, interval=0.5)
        assert await dead_count(amqp_url, Topology(amqp_namespace), "sla") == 0
