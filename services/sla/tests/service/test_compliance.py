"""GET /v1/sla/compliance: met %, breached count, median and p90 per priority and metric."""

from datetime import timedelta

from ..harness import TicketStream, a_merchant, agent, apply_directly, customer, eventually, now


async def play(sla, ticket, *steps):
    for step in steps:
        await step
    for envelope, payload in ticket.sent:
        await apply_directly(sla.sessions, envelope, payload)


async def test_compliance_reports_met_percent_breaches_and_percentiles_per_priority(sla):
    merchant = a_merchant()
    await sla.create_policy(merchant, priority="normal", first_response_seconds=3600, resolution_seconds=7200)
    await sla.create_policy(merchant, priority="urgent", first_response_seconds=60, resolution_seconds=600)
    start = now() - timedelta(minutes=15)
    at = lambda seconds: start + timedelta(seconds=seconds)  # noqa: E731

    for reply, resolve in ((10, 100), (30, 200)):
        ticket = TicketStream(None, merchant)
        await play(
            sla,
            ticket,
            ticket.created(at=at(0)),
            ticket.replied(at=at(reply)),
            ticket.moved("resolved", at=at(resolve)),
        )
    late = TicketStream(None, merchant, priority="urgent")
    await play(sla, late, late.created(at=at(0)), late.replied(at=at(120)))
    quiet = TicketStream(None, merchant, priority="urgent")
    await play(sla, quiet, quiet.created(at=at(0)))

    async def report():
        response = await sla.http.get("/v1/sla/compliance", headers=agent(merchant))
        body = response.json()
        urgent = next((p for p in body["priorities"] if p["priority"] == "urgent"), None)
        settled = urgent and urgent["first_response"]["missed"] == 2 and urgent["resolution"]["breached"] == 2
        return body if settled else None

    body = await eventually(report)

    normal, urgent = (next(p for p in body["priorities"] if p["priority"] == name) for name in ("normal", "urgent"))
    assert [p["priority"] for p in body["priorities"]] == ["urgent", "normal"]
    assert normal["first_response"] | {} == {
        "clocks": 2,
        "met_within_target": 2,
        "missed": 0,
        "breached": 0,
        "open": 0,
        "stopped": 0,
        "met_percent": 100.0,
        "median_seconds": 20.0,
        "p90_seconds": 28.0,
    }
    assert (normal["resolution"]["median_seconds"], normal["resolution"]["p90_seconds"]) == (150.0, 190.0)
    assert urgent["first_response"]["met_within_target"] == 0
    assert urgent["first_response"]["met_percent"] == 0.0 and urgent["first_response"]["breached"] >= 1
    assert urgent["first_response"]["median_seconds"] == 120.0
    assert urgent["resolution"]["breached"] == 2 and urgent["resolution"]["open"] == 0
    assert normal["next_response"]["clocks"] == 0

    only_normal = await sla.http.get("/v1/sla/compliance?priority=normal", headers=agent(merchant))
    assert [p["priority"] for p in only_normal.json()["priorities"]] == ["normal"]
    window = {"from": (start + timedelta(minutes=5)).isoformat(), "to": now().isoformat()}
    assert (await sla.http.get("/v1/sla/compliance", params=window, headers=agent(merchant))).json()["priorities"] == []


async def test_compliance_is_for_staff_and_checks_its_window(sla):
    merchant = a_merchant()
    later, earlier = now(), now() - timedelta(days=1)
    backwards = {"from": later.isoformat(), "to": earlier.isoformat()}
    too_long = {"from": (later - timedelta(days=500)).isoformat(), "to": later.isoformat()}

    assert (await sla.http.get("/v1/sla/compliance", headers=customer(merchant))).status_code == 403
    for params in (backwards, too_long, {"from": "yesterday"}, {"priority": "whenever"}):
        response = await sla.http.get("/v1/sla/compliance", params=params, headers=agent(merchant))
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"].startswith("query.")
    empty = await sla.http.get("/v1/sla/compliance", headers=agent(merchant))
    assert empty.status_code == 200 and empty.json()["priorities"] == []
    assert set(empty.json()) == {"from", "to", "priorities"}
