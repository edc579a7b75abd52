"""A 24/7 policy with a 2-second first-response target, driven by real ticket events through the broker."""

from datetime import timedelta

from ..harness import TicketStream, a_merchant, seconds_between


async def test_an_unanswered_ticket_breaches_its_first_response_target_after_two_seconds_once(sla):
    merchant = a_merchant()
    policy = await sla.create_policy(merchant, first_response_seconds=2, resolution_seconds=3600)
    ticket = await TicketStream(sla, merchant).created()

    [breach] = await sla.wait_events(ticket, "sla.breached", timeout=15)
    await sla.tap.settle(1.5)

    assert len(sla.events(ticket, "sla.breached")) == 1
    payload = breach["payload"]
    assert payload["metric"] == "first_response"
    assert payload["policy_id"] == policy["id"] and payload["policy_version"] == 1
    assert seconds_between(payload["due_at"], ticket.created_at) == 2
    fired_late_by = seconds_between(breach["occurred_at"], payload["due_at"])
    assert 0 <= fired_late_by < 5
    assert sla.events(ticket, "sla.met") == []


async def test_an_agent_reply_after_one_second_meets_the_target_and_nothing_breaches(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=2, resolution_seconds=3600)
    ticket = await TicketStream(sla, merchant).created()
    await ticket.replied("agent", at=ticket.created_at + timedelta(seconds=1))

    [met] = await sla.wait_events(ticket, "sla.met")
    await sla.tap.settle(2.5)

    assert met["payload"]["metric"] == "first_response"
    assert met["payload"]["within_target"] is True
    assert met["payload"]["business_seconds_used"] == 1
    assert sla.events(ticket, "sla.breached") == []
    view = await sla.sla_of(ticket)
    first = next(clock for clock in view["clocks"] if clock["metric"] == "first_response")
    assert first["state"] == "met" and first["elapsed_business_seconds"] == 1


async def test_an_internal_note_or_a_customer_message_does_not_meet_the_first_response(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, first_response_seconds=3600, resolution_seconds=7200)
    ticket = await TicketStream(sla, merchant).created()
    await ticket.replied("agent", visibility="internal")
    await ticket.replied("customer")

    view = await sla.sla_of(ticket)

    assert [clock["state"] for clock in view["clocks"]] == ["running", "running"]
    assert sla.events(ticket, "sla.met") == []
