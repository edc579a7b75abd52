"""Several deciders at once never overbook an agent: 8 concurrent consumers, 500 tickets, 10 agents with cap 5."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from helpdesk_contracts import Envelope, Payload, Priority

from ..harness import Routing, Ticket, a_merchant, ago

CONSUMERS, TICKETS, AGENTS, CAP = 8, 500, 10, 5


async def consume_concurrently(routing: Routing, events: list[tuple[Envelope, Payload]]) -> None:
    """8 consumers share the events, as 8 replicas would; a delivery whose transaction the database aborted
    (deadlock) is redelivered, as the broker would."""
    pending: asyncio.Queue[tuple[Envelope, Payload]] = asyncio.Queue()
    for event in events:
        pending.put_nowait(event)

    async def consumer() -> None:
        while not pending.empty():
            event = pending.get_nowait()
            for _ in range(20):
                try:
                    await routing.apply(*event)
                    break
                except DBAPIError:
                    await asyncio.sleep(0.01)
            else:
                raise AssertionError("an event kept failing")

    await asyncio.gather(*(consumer() for _ in range(CONSUMERS)))


def queue_order(ticket: Ticket) -> tuple[int, Any]:
    return (-Priority(ticket.priority).rank, ticket.created_at)


async def test_concurrent_consumers_never_overbook_and_drain_by_priority_then_age(quiet_routing: Routing) -> None:
    routing, m = quiet_routing, a_merchant()
    group = await routing.add_group(m, "Support")
    for i in range(AGENTS):
        await routing.add_agent(m, f"agent-{i:02}", group_ids=[group["id"]], max_concurrent_tickets=CAP)
    rng = random.Random(7)
    tickets = [
        Ticket(m, priority=rng.choice(["low", "normal", "high", "urgent"]), created_at=ago(seconds=TICKETS - i))
        for i in range(TICKETS)
    ]
    by_id = {str(t.id): t for t in tickets}

    await consume_concurrently(routing, [t.created() for t in tickets])

    decided = await routing.outbox(m, "routing.assignment_decided")
    queued = await routing.outbox(m, "routing.ticket_queued")
    assert len(decided) == AGENTS * CAP
    assert len(queued) == TICKETS - AGENTS * CAP
    assert Counter(e["payload"]["agent_id"] for e in decided) == {f"agent-{i:02}": CAP for i in range(AGENTS)}
    holders = {e["payload"]["ticket_id"]: e["payload"]["agent_id"] for e in decided}
    waiting = sorted((t for t in tickets if str(t.id) not in holders), key=queue_order)
    seen = len(decided)

    rounds = 0
    while holders:
        rounds += 1
        resolutions = []
        for ticket_id, agent_id in holders.items():
            ticket = by_id[ticket_id]
            ticket.assignee_id = agent_id
            resolutions.append(ticket.moved("resolved"))
        await consume_concurrently(routing, resolutions)
        decided = await routing.outbox(m, "routing.assignment_decided")
        round_decisions = decided[seen:]
        seen = len(decided)
        # At most one cap's worth per agent while its previous tickets were all resolved: never above the cap.
        assert max(Counter(e["payload"]["agent_id"] for e in round_decisions).values(), default=0) <= CAP
        # Capacity freed for 50: exactly the 50 best waiting tickets, highest priority first, then oldest.
        expected, waiting = waiting[: len(holders)], waiting[len(holders):]
        assert {e["payload"]["ticket_id"] for e in round_decisions} == {str(t.id) for t in expected}
        holders = {e["payload"]["ticket_id"]: e["payload"]["agent_id"] for e in round_decisions}
    assert rounds == TICKETS // (AGENTS * CAP) and waiting == []

    async with routing.sessions() as session:
        log = await session.execute(
            text(
                "SELECT agent_id, change, load_after, capacity FROM routing_assignment_log"
                " WHERE merchant_id = :m ORDER BY id"
            ),
            {"m": m},
        )
        rows = list(log)
        loads = await session.execute(text("SELECT load FROM routing_agents WHERE merchant_id = :m"), {"m": m})
        final_loads = [r[0] for r in loads]
    # The slot log is written under each agent's row lock: its load after every change never passed the cap...
    assert rows and all(r.load_after <= r.capacity == CAP for r in rows)
    # ...and replaying it per agent agrees with the loads recorded at each step.
    replayed: dict[str, int] = defaultdict(int)
    for r in rows:
        replayed[r.agent_id] += r.change
        assert replayed[r.agent_id] == r.load_after
    assert Counter(r.change for r in rows) == {1: TICKETS, -1: TICKETS}
    assert final_loads == [0] * AGENTS
