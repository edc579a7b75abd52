"""The whole topology is declared before traffic: events published before a consumer's first start wait for it."""

from __future__ import annotations

import contextlib

from helpdesk_servicekit.testing.helpers import eventually
from helpdesk_servicekit.testing.plugin import bearer

from .conftest import platform_of

MERCHANT = "m-topology"


async def test_tickets_created_before_sla_first_starts_still_reach_it(
    database_factory, amqp_url, amqp_namespace
):
    manager = bearer("mgr-topo", MERCHANT, "manager")
    customer = bearer("cust-topo", MERCHANT, "customer")
    async with contextlib.AsyncExitStack() as stack:
        only_tickets = await stack.enter_async_context(
            platform_of(("tickets",), database_factory, amqp_url, amqp_namespace)
        )
        ids = []
        for n in range(3):
            created = await only_tickets.tickets.post(
                "/v1/tickets", json={"subject": f"before sla {n}", "priority": "urgent"}, headers=customer
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        assert only_tickets.tap is not None
        await only_tickets.tap.wait_for(3, "ticket.created", timeout=20)  # published: nobody consumed them yet
        later = await stack.enter_async_context(platform_of(("sla",), database_factory, amqp_url, amqp_namespace))

        async def sla_knows_them_all() -> bool:
            answers = [await later.sla.get(f"/v1/sla/tickets/{i}", headers=manager) for i in ids]
            return all(a.status_code == 200 for a in answers)

        await eventually(sla_knows_them_all, timeout=30)
