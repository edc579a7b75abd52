"""Pausing in waiting statuses, resolution and reopening, and re-targeting on a priority change."""

from datetime import timedelta

from ..harness import TicketStream, a_merchant, now, seconds_between

HOUR = 3600


def clock(view, metric, run=1):
    return next(c for c in view["clocks"] if c["metric"] == metric and c["run"] == run)


async def test_three_seconds_waiting_for_the_customer_push_the_resolution_due_time_by_three_seconds(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=HOUR, resolution_seconds=8 * HOUR)
    start = now() - timedelta(seconds=20)
    ticket = await TicketStream(sla, merchant).created(at=start)
    before = clock(await sla.sla_of(ticket), "resolution")["due_at"]

    await ticket.moved("waiting_customer", at=start + timedelta(seconds=5))
    paused = await sla.sla_of(ticket)
    await ticket.moved("in_progress", at=start + timedelta(seconds=8))
    resumed = await sla.sla_of(ticket)

    assert clock(paused, "resolution")["state"] == "paused"
    assert clock(paused, "resolution")["due_at"] is None
    assert clock(paused, "resolution")["elapsed_business_seconds"] == 5
    assert [t["kind"] for t in paused["timers"]] == []
    assert seconds_between(clock(resumed, "resolution")["due_at"], before) == 3
    assert [s["kind"] for s in clock(resumed, "resolution")["segments"]] == ["running", "paused", "running"]
    assert clock(resumed, "resolution")["segments"][1]["business_seconds"] == 3
    assert {t["kind"] for t in resumed["timers"]} == {"breach"}


async def test_a_pause_status_of_the_policy_pauses_and_others_do_not(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, pause_statuses=["waiting_third_party"])
    ticket = await TicketStream(sla, merchant).created()
    await ticket.moved("waiting_customer")
    assert clock(await sla.sla_of(ticket), "resolution")["state"] == "running"
    await ticket.moved("waiting_third_party")
    assert clock(await sla.sla_of(ticket), "resolution")["state"] == "paused"


async def test_a_priority_change_from_normal_to_urgent_retargets_running_clocks_keeping_elapsed_time(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, priority="normal", first_response_seconds=HOUR, resolution_seconds=8 * HOUR)
    urgent = await sla.create_policy(
        merchant, name="Urgent", priority="urgent", first_response_seconds=600, resolution_seconds=2 * HOUR
    )
    start = now() - timedelta(seconds=100)
    ticket = await TicketStream(sla, merchant).created(at=start)
    await ticket.updated(priority="urgent", at=start + timedelta(seconds=60))

    view = await sla.sla_of(ticket)

    assert view["priority"] == "urgent" and view["policy_id"] == urgent["id"]
    first, resolution = clock(view, "first_response"), clock(view, "resolution")
    assert (first["target_seconds"], resolution["target_seconds"]) == (600, 2 * HOUR)
    assert first["policy_id"] == urgent["id"] and first["priority"] == "urgent"
    assert seconds_between(first["due_at"], start) == 600
    assert seconds_between(resolution["due_at"], start) == 2 * HOUR
    assert first["elapsed_business_seconds"] > 99


async def test_a_priority_change_to_a_target_already_exceeded_breaches_at_once(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, priority="normal", first_response_seconds=HOUR, resolution_seconds=8 * HOUR)
    await sla.create_policy(merchant, priority="urgent", first_response_seconds=10, resolution_seconds=HOUR)
    start = now() - timedelta(seconds=30)
    ticket = await TicketStream(sla, merchant).created(at=start)
    await ticket.updated(priority="urgent")

    [breach] = await sla.wait_events(ticket, "sla.breached")

    assert breach["payload"]["metric"] == "first_response"
    assert seconds_between(breach["payload"]["due_at"], start) == 10


async def test_resolving_meets_the_resolution_and_reopening_resumes_it_with_its_elapsed_time(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant)
    start = now() - timedelta(seconds=60)
    ticket = await TicketStream(sla, merchant).created(at=start)
    await ticket.replied("agent", at=start + timedelta(seconds=10))
    await ticket.moved("resolved", at=start + timedelta(seconds=20))
    resolved = await sla.sla_of(ticket)
    await ticket.moved("reopened", at=start + timedelta(seconds=50))
    reopened = await sla.sla_of(ticket)
    await ticket.moved("in_progress")
    await ticket.moved("resolved")
    await ticket.moved("closed")
    closed = await sla.sla_of(ticket)

    assert clock(resolved, "resolution")["state"] == "met"
    assert clock(resolved, "resolution")["elapsed_business_seconds"] == 20
    assert clock(reopened, "resolution")["state"] == "running"
    assert seconds_between(clock(reopened, "resolution")["due_at"], start) == 8 * HOUR + 30
    assert clock(closed, "resolution")["state"] == "met"
    assert closed["timers"] == []
    mets = await sla.wait_events(ticket, "sla.met", count=3)
    assert sorted(m["payload"]["metric"] for m in mets) == ["first_response", "resolution", "resolution"]


async def test_closing_an_unanswered_ticket_stops_its_clocks(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, next_response_seconds=600)
    ticket = await TicketStream(sla, merchant).created()
    await ticket.replied("agent")
    await ticket.replied("customer")
    running = await sla.sla_of(ticket)
    await ticket.moved("resolved")
    await ticket.moved("closed")
    closed = await sla.sla_of(ticket)

    assert clock(running, "next_response")["state"] == "running"
    assert {c["metric"]: c["state"] for c in closed["clocks"]} == {
        "first_response": "met",
        "next_response": "met",
        "resolution": "met",
    }


async def test_each_customer_message_after_an_agent_reply_starts_a_next_response_clock(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, next_response_seconds=600)
    start = now() - timedelta(seconds=100)
    ticket = await TicketStream(sla, merchant).created(at=start)
    await ticket.replied("customer", at=start + timedelta(seconds=5))
    await ticket.replied("agent", at=start + timedelta(seconds=10))
    await ticket.replied("customer", at=start + timedelta(seconds=20))
    await ticket.replied("customer", at=start + timedelta(seconds=25))
    await ticket.replied("agent", at=start + timedelta(seconds=50))
    await ticket.replied("customer", at=start + timedelta(seconds=60))

    view = await sla.sla_of(ticket)

    runs = [c for c in view["clocks"] if c["metric"] == "next_response"]
    assert [(c["run"], c["state"], c["elapsed_business_seconds"]) for c in runs[:1]] == [(1, "met", 30)]
    assert (runs[1]["run"], runs[1]["state"]) == (2, "running")
    assert seconds_between(runs[1]["started_at"], start) == 60
