"""The ticket row is the lock for its clocks and timers: whoever waited for it reads what the holder left."""

import asyncio

from helpdesk_servicekit.db import unit_of_work
from helpdesk_sla.clocks import repository
from helpdesk_sla.clocks.service import utcnow

from ..harness import TicketStream, a_merchant


async def test_a_ticket_locked_after_waiting_is_read_as_the_lock_holder_left_it(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant)
    ticket = await TicketStream(sla, merchant).created()
    await sla.applied(ticket)
    waiting_started = asyncio.Event()

    async def lock_after_the_holder():
        async with unit_of_work(sla.sessions) as session:
            waiting_started.set()
            return await repository.lock_ticket(session, merchant, ticket.id)

    async with unit_of_work(sla.sessions) as session:
        holder = await repository.lock_ticket(session, merchant, ticket.id)
        assert holder is not None and len(holder.timers) == 2
        waiter = asyncio.create_task(lock_after_the_holder())
        await waiting_started.wait()
        await asyncio.sleep(0.3)
        holder.sla.status_is("waiting_customer", utcnow())
        await repository.save(session, [holder], utcnow())
        await session.commit()
    seen = await waiter

    assert seen is not None
    assert seen.timers == {}
    assert {tracked.clock.state.value for tracked in seen.sla.clocks} == {"paused"}
