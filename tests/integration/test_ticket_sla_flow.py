"""A ticket's life across tickets and sla over the real broker: clocks start from ticket events, a breach
escalates the ticket, a reply is recorded as met."""

import re

from helpdesk_servicekit.testing.helpers import eventually
from helpdesk_servicekit.testing.plugin import bearer

CUSTOMER = bearer("cust-flow", "m-flow", "customer")
AGENT = bearer("agent-flow", "m-flow", "agent")
MANAGER = bearer("mgr-flow", "m-flow", "manager")


async def test_a_missed_first_response_breaches_and_escalates_the_ticket_to_level_two(platform):
    policy = await platform.sla.post(
        "/v1/sla/policies",
        json={
            "name": "Urgent: answer in 2 s",
            "priority": "urgent",
            "first_response_seconds": 2,
            "resolution_seconds": 3600,
            "escalation": [{"level": 2, "after_breach_seconds": 0, "metric": "first_response"}],
        },
        headers=MANAGER,
    )
    assert policy.status_code == 201, policy.text
    created = await platform.tickets.post(
        "/v1/tickets", json={"subject": "Checkout is down", "priority": "urgent"}, headers=CUSTOMER
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]

    async def clocks_started():
        response = await platform.sla.get(f"/v1/sla/tickets/{ticket_id}", headers=AGENT)
        return response.status_code == 200 and response.json()

    await eventually(clocks_started, timeout=20)

    async def escalated():
        ticket = (await platform.tickets.get(f"/v1/tickets/{ticket_id}", headers=AGENT)).json()
        return ticket if ticket["escalation_level"] == 2 and ticket["sla_state"] == "breached" else None

    ticket = await eventually(escalated, timeout=20)
    assert ticket["escalation_level"] == 2

    history = (await platform.tickets.get(f"/v1/tickets/{ticket_id}/history", headers=AGENT)).json()
    assert any("escalation" in str(entry) for entry in history.get("items", history))
    # The breach was announced by a timer round, whose lateness Prometheus shows.
    metrics = (await platform.sla.get("/metrics")).text
    count = re.search(r"^helpdesk_sla_timer_lateness_seconds_count (\S+)$", metrics, re.MULTILINE)
    assert count and float(count.group(1)) >= 1


async def test_an_agent_reply_in_time_is_recorded_as_met_and_nothing_escalates(platform):
    await platform.sla.post(
        "/v1/sla/policies",
        json={
            "name": "Normal",
            "priority": "normal",
            "first_response_seconds": 30,
            "resolution_seconds": 3600,
            "escalation": [{"level": 2, "after_breach_seconds": 0, "metric": "first_response"}],
        },
        headers=MANAGER,
    )
    created = await platform.tickets.post("/v1/tickets", json={"subject": "Where is my parcel?"}, headers=CUSTOMER)
    ticket_id = created.json()["id"]

    async def first_response_clock():
        response = await platform.sla.get(f"/v1/sla/tickets/{ticket_id}", headers=AGENT)
        if response.status_code != 200:
            return None
        body = response.json()
        clocks = body.get("clocks", body) if isinstance(body, dict) else body
        return next((c for c in clocks if c["metric"] == "first_response"), None)

    await eventually(first_response_clock, timeout=20)
    reply = await platform.tickets.post(
        f"/v1/tickets/{ticket_id}/messages",
        json={"body": "On it — a courier is checking.", "visibility": "public"},
        headers=AGENT,
    )
    assert reply.status_code == 201

    async def met():
        clock = await first_response_clock()
        return clock if clock and clock["state"] == "met" else None

    await eventually(met, timeout=20)
    ticket = (await platform.tickets.get(f"/v1/tickets/{ticket_id}", headers=AGENT)).json()
    assert ticket["escalation_level"] == 1
    assert ticket["first_responded_at"] is not None
