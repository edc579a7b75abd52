"""Facts that arrive after a timer fired about an earlier moment: a reply sent just before the deadline withdraws
the breach and ends its ladder; and what is due is judged by the database's clock, not the process's."""

from datetime import timedelta

from helpdesk_sla.clocks import service

from ..harness import TicketStream, a_merchant, now, seconds_between

LADDER = [
    {"level": 2, "after_breach_seconds": 0, "metric": "first_response"},
    {"level": 3, "after_breach_seconds": 3, "metric": "first_response"},
]


async def test_a_reply_sent_just_before_the_deadline_but_applied_after_the_breach_escalates_nothing(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=2, resolution_seconds=3600, escalation=LADDER)
    ticket = await TicketStream(sla, merchant).created()
    [breach] = await sla.wait_events(ticket, "sla.breached")

    await ticket.replied("agent", at=ticket.created_at + timedelta(seconds=1.9))
    [met] = await sla.wait_events(ticket, "sla.met")
    await sla.tap.settle(4.0)  # past both ladder steps

    assert breach["payload"]["metric"] == met["payload"]["metric"] == "first_response"
    assert met["payload"]["within_target"] is True and met["payload"]["business_seconds_used"] == 1.9
    assert sla.events(ticket, "sla.escalation_requested") == []
    view = await sla.sla_of(ticket)
    first = next(clock for clock in view["clocks"] if clock["metric"] == "first_response")
    assert first["state"] == "met" and view["escalation_level"] == 1
    assert [timer for timer in view["timers"] if timer["metric"] == "first_response"] == []
    changes = [e["payload"] for e in sla.events(ticket, "sla.clock_changed")]
    assert [c["state"] for c in changes if c["metric"] == "first_response"] == ["running", "breached", "met"]


async def test_a_replica_whose_clock_runs_an_hour_fast_fires_nothing_early(sla, monkeypatch):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=1800, resolution_seconds=3600)
    ticket = await TicketStream(sla, merchant).created()
    await sla.applied(ticket)
    monkeypatch.setattr(service, "utcnow", lambda: now() + timedelta(hours=2))

    done = await service.fire_due(sla.sessions, 500)
    await sla.tap.settle(0.5)

    assert abs(seconds_between(done.claimed_at.isoformat(), now())) < 5
    assert sla.events(ticket, "sla.breached") == []
    view = await sla.sla_of(ticket)
    assert {clock["state"] for clock in view["clocks"]} == {"running"}
    assert len(view["timers"]) == 2
