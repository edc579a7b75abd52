"""Policy and calendar versions: running clocks keep theirs until a manager asks to re-plan them."""

from datetime import timedelta

from ..harness import TicketStream, a_calendar, a_merchant, a_policy, manager, now, seconds_between

HOUR = 3600


def resolution(view):
    return next(c for c in view["clocks"] if c["metric"] == "resolution")


async def test_an_edited_policy_applies_to_new_tickets_and_to_running_clocks_only_on_replan(sla):
    merchant = a_merchant()
    policy = await sla.create_policy(merchant, resolution_seconds=8 * HOUR)
    start = now() - timedelta(seconds=60)
    older = await TicketStream(sla, merchant).created(at=start)
    await sla.applied(older)
    edited = await sla.http.put(
        f"/v1/sla/policies/{policy['id']}", json=a_policy(resolution_seconds=4 * HOUR), headers=manager(merchant)
    )
    newer = await TicketStream(sla, merchant).created(at=start)

    kept, fresh = resolution(await sla.sla_of(older)), resolution(await sla.sla_of(newer))
    replanned = await sla.http.post(f"/v1/sla/policies/{policy['id']}/replan", headers=manager(merchant))
    moved = resolution(await sla.sla_of(older))

    assert edited.json()["version"] == 2
    assert (kept["policy_version"], kept["target_seconds"]) == (1, 8 * HOUR)
    assert (fresh["policy_version"], fresh["target_seconds"]) == (2, 4 * HOUR)
    assert replanned.status_code == 200 and replanned.json() == {"replanned_tickets": 1}
    assert (moved["policy_version"], moved["target_seconds"]) == (2, 4 * HOUR)
    assert seconds_between(moved["due_at"], start) == 4 * HOUR
    assert moved["elapsed_business_seconds"] >= 60


async def test_replan_survives_later_ticket_events(sla):
    merchant = a_merchant()
    policy = await sla.create_policy(merchant, resolution_seconds=8 * HOUR)
    ticket = await TicketStream(sla, merchant).created()
    await sla.applied(ticket)
    await sla.http.put(
        f"/v1/sla/policies/{policy['id']}?replan=true",
        json=a_policy(resolution_seconds=2 * HOUR),
        headers=manager(merchant),
    )
    await ticket.replied("agent")

    assert resolution(await sla.sla_of(ticket))["target_seconds"] == 2 * HOUR


async def test_a_calendar_edit_reaches_running_clocks_when_asked(sla):
    merchant = a_merchant()
    calendar = await sla.create_calendar(merchant, always_open=True, weekly_hours=[])
    await sla.create_policy(merchant, calendar_id=calendar["id"])
    ticket = await TicketStream(sla, merchant).created()
    await sla.applied(ticket)
    response = await sla.http.put(
        f"/v1/sla/calendars/{calendar['id']}?replan=true", json=a_calendar(), headers=manager(merchant)
    )

    clock = resolution(await sla.sla_of(ticket))

    assert response.json()["version"] == 2
    assert (clock["calendar_id"], clock["calendar_version"]) == (calendar["id"], 2)
