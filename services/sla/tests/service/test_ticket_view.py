"""GET /v1/sla/tickets/{id}: staff only, scoped to the merchant, business time explained."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from ..harness import TicketStream, a_merchant, agent, customer, manager, seconds_between

BERLIN = ZoneInfo("Europe/Berlin")


async def test_customers_are_refused_and_other_merchants_see_nothing(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant)
    ticket = await TicketStream(sla, merchant).created()
    await sla.applied(ticket)
    url = f"/v1/sla/tickets/{ticket.id}"

    assert (await sla.http.get(url, headers=agent(merchant))).status_code == 200
    assert (await sla.http.get(url, headers=manager(merchant))).status_code == 200
    assert (await sla.http.get(url, headers=customer(merchant))).status_code == 403
    assert (await sla.http.get(url, headers=agent(a_merchant()))).status_code == 404
    assert (await sla.http.get(f"/v1/sla/tickets/{uuid.uuid4()}", headers=agent(merchant))).status_code == 404
    assert (await sla.http.get("/v1/sla/tickets/nope", headers=agent(merchant))).status_code == 422
    assert (await sla.http.get(url)).status_code == 401


async def test_a_merchant_without_a_matching_policy_gets_no_clocks(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, priority="urgent")
    ticket = await TicketStream(sla, merchant, priority="low").created()

    view = await sla.sla_of(ticket)

    assert (view["policy_id"], view["clocks"], view["timers"]) == (None, [], [])


async def test_a_friday_afternoon_ticket_in_office_hours_is_due_on_monday_morning(sla):
    merchant = a_merchant()
    office = await sla.create_calendar(
        merchant,
        time_zone="Europe/Berlin",
        weekly_hours=[{"day": day, "start": "09:00", "end": "17:00"} for day in ("monday", "friday")],
    )
    await sla.create_policy(merchant, calendar_id=office["id"], first_response_seconds=2 * 3600)
    friday = datetime(2024, 5, 10, 16, tzinfo=BERLIN)
    ticket = await TicketStream(sla, merchant).created(at=friday)

    breaches = await sla.wait_events(ticket, "sla.breached", count=2)
    view = await sla.sla_of(ticket)

    breach = next(b for b in breaches if b["payload"]["metric"] == "first_response")
    monday_ten = datetime(2024, 5, 13, 10, tzinfo=BERLIN)
    assert seconds_between(breach["payload"]["due_at"], monday_ten) == 0
    first = next(c for c in view["clocks"] if c["metric"] == "first_response")
    assert first["state"] == "breached"
    assert (first["calendar_id"], first["calendar_version"]) == (office["id"], 1)
    assert first["segments"][0]["kind"] == "running"
    assert breach["payload"]["business_seconds_used"] == 2 * 3600
