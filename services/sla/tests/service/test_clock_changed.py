"""sla.clock_changed: a clock's status and due time as soon as it starts, and again each time either moves."""

from datetime import timedelta

from ..harness import TicketStream, a_merchant, now, seconds_between


def by_metric(events):
    return {event["payload"]["metric"]: event["payload"] for event in events}


async def test_starting_clocks_announces_their_due_times(sla):
    merchant = a_merchant()
    policy = await sla.create_policy(merchant, first_response_seconds=600, resolution_seconds=3600)
    ticket = await TicketStream(sla, merchant).created()

    started = by_metric(await sla.wait_events(ticket, "sla.clock_changed", count=2))

    assert set(started) == {"first_response", "resolution"}
    for metric, target in (("first_response", 600), ("resolution", 3600)):
        change = started[metric]
        assert (change["state"], change["run"], change["policy_id"], change["policy_version"]) == (
            "running",
            1,
            policy["id"],
            1,
        )
        assert seconds_between(change["due_at"], ticket.created_at) == target
        assert seconds_between(change["at"], ticket.created_at) == 0
        assert change["ticket_version"] == 1


async def test_pausing_and_resuming_move_the_due_time_and_nothing_else_is_announced(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=600, resolution_seconds=3600)
    created = now() - timedelta(seconds=120)
    ticket = await TicketStream(sla, merchant).created(at=created)
    await sla.wait_events(ticket, "sla.clock_changed", count=2)
    await ticket.replied("agent", visibility="internal", at=created + timedelta(seconds=5))

    await ticket.moved("waiting_customer", at=created + timedelta(seconds=10))
    paused = by_metric((await sla.wait_events(ticket, "sla.clock_changed", count=4))[2:])
    await ticket.moved("in_progress", at=created + timedelta(seconds=70))
    resumed = by_metric((await sla.wait_events(ticket, "sla.clock_changed", count=6))[4:])
    await sla.applied(ticket)
    await sla.tap.settle(0.5)

    assert {(p["state"], p["due_at"], p["ticket_version"]) for p in paused.values()} == {("paused", None, 3)}
    assert all(seconds_between(p["at"], created) == 10 for p in paused.values())
    assert {p["state"] for p in resumed.values()} == {"running"}
    assert seconds_between(resumed["first_response"]["due_at"], created) == 600 + 60
    assert seconds_between(resumed["resolution"]["due_at"], created) == 3600 + 60
    assert all(seconds_between(p["at"], created) == 70 for p in resumed.values())
    assert len(sla.events(ticket, "sla.clock_changed")) == 6  # the internal note moved nothing


async def test_a_met_clock_is_announced_once_and_a_breach_shows_as_breached(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=3600, resolution_seconds=1)
    ticket = await TicketStream(sla, merchant).created()
    await sla.wait_events(ticket, "sla.breached")
    await ticket.replied("agent")

    changes = await sla.wait_events(ticket, "sla.clock_changed", count=4)
    await sla.applied(ticket)
    await sla.tap.settle(0.5)

    states = [(c["payload"]["metric"], c["payload"]["state"]) for c in sla.events(ticket, "sla.clock_changed")]
    assert sorted(states[2:]) == [("first_response", "met"), ("resolution", "breached")]
    breach = next(c["payload"] for c in changes if c["payload"]["state"] == "breached")
    assert seconds_between(breach["due_at"], ticket.created_at) == 1 and breach["at"] == breach["due_at"]
