"""Several SLA instances on one database, and restarts: every timer fires exactly once, none is lost."""

import asyncio
import json
from collections import Counter
from datetime import timedelta

import pytest

from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.tap import EventTap

from ..harness import Harness, TicketStream, a_merchant, a_policy, applied, manager, now, seconds_between, started

LADDER = [{"level": 2, "after_breach_seconds": 0}, {"level": 3, "after_breach_seconds": 3}]


@pytest.fixture
async def isolated(database_factory, sla_settings, amqp_url, amqp_namespace, request):
    """A database and a broker namespace of the test's own, so the session's SLA service does not compete."""
    namespace = f"{amqp_namespace}{request.node.name[:20]}."
    database_url = await database_factory("sla")
    publisher = AmqpPublisher(amqp_url, Topology(namespace))
    async with EventTap(amqp_url, namespace, "sla.#") as tap:
        yield lambda **overrides: sla_settings(database_url, namespace, **overrides), publisher, tap
    await publisher.close()


def fired(tap, merchant):
    """(ticket, event type, metric, level) of every timer-driven SLA event for the merchant, duplicates included."""
    return [
        (b["payload"]["ticket_id"], b["event_type"], b["payload"]["metric"], b["payload"].get("level"))
        for b in _bodies(tap, merchant)
        if b["event_type"] != "sla.clock_changed"
    ]


def clock_changes(tap, merchant):
    """(ticket, metric, run, state) of every sla.clock_changed for the merchant, duplicates included."""
    return [
        (b["payload"]["ticket_id"], b["payload"]["metric"], b["payload"]["run"], b["payload"]["state"])
        for b in _bodies(tap, merchant)
        if b["event_type"] == "sla.clock_changed"
    ]


def _bodies(tap, merchant):
    return [body for body in (json.loads(message.body) for message in tap.messages) if body["merchant_id"] == merchant]


async def test_two_instances_fire_every_warning_breach_and_escalation_step_exactly_once(isolated):
    settings, publisher, tap = isolated
    merchant = a_merchant()
    async with started(settings()) as first, started(settings()) as second:
        harness = Harness(app=first, publisher=publisher, tap=tap)
        policy = a_policy(first_response_seconds=2, resolution_seconds=3, warn_at_percent=50, escalation=LADDER)
        assert (await first.post("/v1/sla/policies", json=policy, headers=manager(merchant))).status_code == 201
        tickets = [TicketStream(harness, merchant) for _ in range(12)]
        for ticket in tickets:
            await ticket.created()
        expected = {
            (str(ticket.id), event_type, metric, level)
            for ticket in tickets
            for event_type, metric, level in (
                ("sla.warning", "first_response", None),
                ("sla.warning", "resolution", None),
                ("sla.breached", "first_response", None),
                ("sla.breached", "resolution", None),
                ("sla.escalation_requested", "resolution", 2),
                ("sla.escalation_requested", "resolution", 3),
            )
        }

        async def all_fired():
            return set(fired(tap, merchant)) >= expected

        deadline = asyncio.get_running_loop().time() + 30
        while not await all_fired():
            assert asyncio.get_running_loop().time() < deadline, sorted(expected - set(fired(tap, merchant)))
            await asyncio.sleep(0.1)
        await tap.settle(2.0)
        for app in (first, second):
            await applied(app.app.state.sessions, tickets[-1])

    counts = Counter(fired(tap, merchant))
    assert set(counts) == expected
    assert max(counts.values()) == 1
    changes = Counter(clock_changes(tap, merchant))
    assert set(changes) == {
        (str(ticket.id), metric, 1, state)
        for ticket in tickets
        for metric in ("first_response", "resolution")
        for state in ("running", "breached")
    }
    assert max(changes.values()) == 1


async def test_a_deadline_that_passed_while_the_service_was_down_fires_at_start_up(isolated):
    settings, publisher, tap = isolated
    merchant = a_merchant()
    async with started(settings()) as before:
        harness = Harness(app=before, publisher=publisher, tap=tap)
        policy = a_policy(first_response_seconds=2, resolution_seconds=8, escalation=LADDER)
        assert (await before.post("/v1/sla/policies", json=policy, headers=manager(merchant))).status_code == 201
        ticket = await TicketStream(harness, merchant).created()
        await harness.applied(ticket)
        planned = await harness.sla_of(ticket)
    assert [t["kind"] for t in planned["timers"]] == ["breach", "breach", "escalation", "escalation"]
    await asyncio.sleep(max(0.0, (ticket.created_at + timedelta(seconds=3) - now()).total_seconds()))
    assert fired(tap, merchant) == []

    restarted = now()
    async with started(settings()) as after:
        harness = Harness(app=after, publisher=publisher, tap=tap)
        [breach] = await harness.wait_events(ticket, "sla.breached", timeout=15)
        escalations = await harness.wait_events(ticket, "sla.escalation_requested", count=2, timeout=20)
        await tap.settle(1.0)

    assert breach["payload"]["metric"] == "first_response"
    assert seconds_between(breach["payload"]["due_at"], ticket.created_at) == 2
    assert seconds_between(breach["occurred_at"], restarted) >= 0
    assert [e["payload"]["level"] for e in escalations] == [2, 3]
    assert len(fired(tap, merchant)) == 4


async def test_a_backlog_left_by_downtime_drains_at_once_not_a_batch_per_nap(isolated):
    settings, publisher, tap = isolated
    merchant = a_merchant()
    ladder = [{"level": 2, "after_breach_seconds": 0, "metric": "first_response"}]
    async with started(settings()) as before:
        harness = Harness(app=before, publisher=publisher, tap=tap)
        policy = a_policy(first_response_seconds=2, resolution_seconds=3600, escalation=ladder)
        assert (await before.post("/v1/sla/policies", json=policy, headers=manager(merchant))).status_code == 201
        tickets = [await TicketStream(harness, merchant).created() for _ in range(9)]
        for ticket in tickets:
            await harness.applied(ticket)
    await asyncio.sleep(max(0.0, (tickets[-1].created_at + timedelta(seconds=2.5) - now()).total_seconds()))

    async with started(settings(timer_batch_size=4, timer_max_sleep_seconds=60)) as after:
        harness = Harness(app=after, publisher=publisher, tap=tap)
        for ticket in tickets:
            await harness.wait_events(ticket, "sla.escalation_requested", timeout=15)

    assert Counter(event_type for _, event_type, _, _ in fired(tap, merchant)) == {
        "sla.breached": 9,
        "sla.escalation_requested": 9,
    }


async def test_a_timer_planned_by_a_consumer_wakes_the_engine_from_a_long_nap(isolated):
    settings, publisher, tap = isolated
    merchant = a_merchant()
    async with started(settings(timer_max_sleep_seconds=60)) as app:
        harness = Harness(app=app, publisher=publisher, tap=tap)
        policy = a_policy(first_response_seconds=2, resolution_seconds=3600)
        assert (await app.post("/v1/sla/policies", json=policy, headers=manager(merchant))).status_code == 201
        await asyncio.sleep(0.5)  # the engine has found nothing due and naps for up to a minute
        ticket = await TicketStream(harness, merchant).created()

        [breach] = await harness.wait_events(ticket, "sla.breached", timeout=10)

    assert 0 <= seconds_between(breach["occurred_at"], breach["payload"]["due_at"]) < 3
