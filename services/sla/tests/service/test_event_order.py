"""Duplicate and out-of-order ticket events are harmless: the clocks come out as if they arrived in order."""

import random
from datetime import timedelta

from ..harness import TicketStream, a_merchant, apply_directly, now


async def scripted(merchant, start):
    """A ticket's life in eight events, recorded (not published) with fixed times."""
    ticket = TicketStream(None, merchant)
    at = lambda seconds: start + timedelta(seconds=seconds)  # noqa: E731
    await ticket.created(at=at(0))
    await ticket.replied("customer", at=at(5))
    await ticket.replied("agent", at=at(10))
    await ticket.moved("waiting_customer", at=at(11))
    await ticket.replied("customer", at=at(30))
    await ticket.moved("in_progress", at=at(31))
    await ticket.updated(priority="high", at=at(40))
    await ticket.replied("agent", at=at(55))
    await ticket.moved("resolved", at=at(60))
    return ticket


def settled_clocks(view):
    keep = ("metric", "run", "state", "target_seconds", "started_at", "met_at", "policy_id", "segments")
    return [{name: clock[name] for name in keep} for clock in view["clocks"]]


async def test_any_arrival_order_gives_the_clocks_the_in_order_arrival_gives(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, next_response_seconds=3600)
    await sla.create_policy(merchant, priority="high", first_response_seconds=1800, next_response_seconds=900)
    start = now() - timedelta(seconds=120)
    in_order = await scripted(merchant, start)
    for envelope, payload in in_order.sent:
        assert await apply_directly(sla.sessions, envelope, payload)
    expected = settled_clocks(await sla.sla_of(in_order))

    shuffler = random.Random(4)
    for _ in range(4):
        ticket = await scripted(merchant, start)
        events = list(ticket.sent)
        shuffler.shuffle(events)
        for envelope, payload in events:
            assert await apply_directly(sla.sessions, envelope, payload)
        view = await sla.sla_of(ticket)
        assert settled_clocks(view) == expected, [e.event_type for e, _ in events]
        mets = [e for e in sla_outbox_metrics(view)]
        assert mets == [("first_response", 1), ("next_response", 1), ("resolution", 1)]

    assert [(c["metric"], c["run"], c["state"]) for c in expected] == [
        ("first_response", 1, "met"),
        ("next_response", 1, "met"),
        ("resolution", 1, "met"),
    ]
    next_response = expected[1]
    assert [s["kind"] for s in next_response["segments"]] == ["paused", "running"]


def sla_outbox_metrics(view):
    return [(c["metric"], c["run"]) for c in view["clocks"] if c["state"] == "met"]


async def test_a_redelivered_event_is_applied_once(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant)
    ticket = await scripted(merchant, now() - timedelta(seconds=120))
    for envelope, payload in ticket.sent:
        assert await apply_directly(sla.sessions, envelope, payload)
    before = await sla.sla_of(ticket)

    again = [await apply_directly(sla.sessions, envelope, payload) for envelope, payload in ticket.sent]
    after = await sla.sla_of(ticket)

    assert again == [False] * len(ticket.sent)
    assert settled_clocks(after) == settled_clocks(before)


async def test_the_same_ticket_version_under_a_new_event_id_changes_nothing(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant)
    ticket = await scripted(merchant, now() - timedelta(seconds=120))
    for envelope, payload in ticket.sent:
        await apply_directly(sla.sessions, envelope, payload)
    before = await sla.sla_of(ticket)
    envelope, payload = ticket.sent[3]
    copy = envelope.model_copy(update={"event_id": __import__("uuid").uuid4()})

    assert await apply_directly(sla.sessions, copy, payload)
    assert settled_clocks(await sla.sla_of(ticket)) == settled_clocks(before)
