"""Issue 8 item 5: the auto-close timer firing while the customer reopens the ticket. The worker holds the timer
row and never waits for the ticket a use case holds; the use case never waits for the timer row the worker
holds: no deadlock, no 500, and the reopen wins whichever side gets there first."""

import asyncio
import random
import uuid

from helpdesk_servicekit.timers import TimerWorker
from helpdesk_tickets.resolution.service import close_unanswered
from helpdesk_tickets.tickets.changes import AUTO_CLOSE

from ..factories import customer, reply, resolved_ticket, sql

ROUNDS = 100


async def close_after_a_moment(session, timer) -> None:
    """The real handler, entered up to 50 ms after the worker claimed the timer row, so that across the rounds
    the customer's reply locks the ticket before, while and after the handler wants it."""
    await asyncio.sleep(random.uniform(0, 0.05))
    await close_unanswered(session, timer)


async def test_reopening_while_auto_close_fires_never_deadlocks_and_the_reopen_wins(client):
    runtime = client.app.state.runtime
    listen_dsn = runtime.settings.listen_dsn
    worker = TimerWorker(runtime.engine, runtime.sessions, {AUTO_CLOSE: close_after_a_moment}, listen_dsn=listen_dsn)
    who = customer("c-race-close")
    gate = asyncio.Semaphore(8)

    async def arranged() -> str:
        async with gate:
            return str((await resolved_ticket(client, who))["id"])

    tickets = await asyncio.gather(*(arranged() for _ in range(ROUNDS)))
    statuses: list[int] = []
    for ticket_id in tickets:
        await sql(client, "UPDATE timers SET fire_at = now() - interval '1 second' WHERE key = :k", k=ticket_id)
        _, answer = await asyncio.gather(worker.fire_due(), reply(client, ticket_id, who, "still broken"))
        statuses.append(answer.status_code)
    assert statuses == [201] * ROUNDS, [s for s in statuses if s != 201]

    # A timer the reply could not cancel because the worker held it (and gave way) fires again now: the handler
    # re-checks the ticket under its lock and leaves the reopened ticket alone.
    await sql(client, "UPDATE timers SET fire_at = now() - interval '1 second' WHERE kind = :k", k=AUTO_CLOSE)
    while await worker.fire_due():
        pass
    rows = await sql(client, "SELECT status FROM tickets WHERE id = ANY(:ids)", ids=[uuid.UUID(t) for t in tickets])
    assert [status for (status,) in rows] == ["reopened"] * ROUNDS
    assert await sql(client, "SELECT kind, key FROM timers WHERE kind LIKE '%auto_close'") == []
