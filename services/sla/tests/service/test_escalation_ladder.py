"""The escalation ladder: L2 at the breach (after a short settle), L3 later if still unresolved; never lower,
never repeated."""

import asyncio
from datetime import timedelta

from helpdesk_sla.domain import ESCALATION_SETTLE_SECONDS as SETTLE

from ..harness import TicketStream, a_merchant, now, seconds_between

LADDER = [{"level": 2, "after_breach_seconds": 0}, {"level": 3, "after_breach_seconds": 4}]


async def test_a_breach_asks_for_level_two_once_settled_and_level_three_after_the_delay_if_still_unresolved(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=3600, resolution_seconds=1, escalation=LADDER)
    ticket = await TicketStream(sla, merchant).created()

    [breach] = await sla.wait_events(ticket, "sla.breached")
    escalations = await sla.wait_events(ticket, "sla.escalation_requested", count=2)
    await sla.tap.settle(1.0)

    assert [e["payload"]["level"] for e in sla.events(ticket, "sla.escalation_requested")] == [2, 3]
    level2, level3 = escalations
    breached_at = breach["payload"]["at"]
    assert seconds_between(breached_at, ticket.created_at) == 1
    assert level2["payload"]["breached_at"] == level3["payload"]["breached_at"] == breached_at
    assert (level2["payload"]["from_level"], level3["payload"]["from_level"]) == (1, 2)
    assert SETTLE <= seconds_between(level2["occurred_at"], breached_at) < SETTLE + 5
    assert 4 <= seconds_between(level3["occurred_at"], breached_at) < 9
    assert (await sla.sla_of(ticket))["escalation_level"] == 3


async def test_resolving_between_the_steps_stops_the_ladder(sla):
    merchant = a_merchant()
    ladder = [{"level": 2, "after_breach_seconds": 0}, {"level": 3, "after_breach_seconds": 5}]
    await sla.create_policy(merchant, first_response_seconds=3600, resolution_seconds=1, escalation=ladder)
    ticket = await TicketStream(sla, merchant).created()
    await sla.wait_events(ticket, "sla.escalation_requested")
    await ticket.moved("resolved")

    view = await sla.sla_of(ticket)
    await sla.tap.settle(4.0)

    assert view["timers"] == []
    assert [e["payload"]["level"] for e in sla.events(ticket, "sla.escalation_requested")] == [2]


async def test_a_manual_escalation_to_level_three_leaves_nothing_for_the_ladder_to_do(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=3600, resolution_seconds=2, escalation=LADDER)
    ticket = await TicketStream(sla, merchant).created()
    await ticket.escalated(3)

    await sla.wait_events(ticket, "sla.breached")
    await sla.tap.settle(3.0)

    assert sla.events(ticket, "sla.escalation_requested") == []
    assert (await sla.sla_of(ticket))["escalation_level"] == 3


async def test_a_manual_escalation_to_level_two_leaves_level_three_to_the_ladder(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=3600, resolution_seconds=1, escalation=LADDER)
    ticket = await TicketStream(sla, merchant).created()
    await ticket.escalated(2)

    [escalation] = await sla.wait_events(ticket, "sla.escalation_requested")
    await sla.tap.settle(1.0)

    assert escalation["payload"]["level"] == 3
    assert len(sla.events(ticket, "sla.escalation_requested")) == 1


async def test_a_ladder_step_that_came_due_while_paused_fires_on_resume(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=3600, resolution_seconds=20, escalation=LADDER)
    ticket = await TicketStream(sla, merchant).created(at=now() - timedelta(seconds=20.5))
    await sla.wait_events(ticket, "sla.escalation_requested")
    await ticket.moved("waiting_customer")
    assert (await sla.sla_of(ticket))["timers"] == []

    await asyncio.sleep(2.5)
    assert [e["payload"]["level"] for e in sla.events(ticket, "sla.escalation_requested")] == [2]
    await ticket.moved("in_progress")
    escalations = await sla.wait_events(ticket, "sla.escalation_requested", count=2)

    assert [e["payload"]["level"] for e in escalations] == [2, 3]
