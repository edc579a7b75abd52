import uuid
from datetime import UTC, datetime, timedelta

from helpdesk_contracts import SlaBreached, SlaClockChanged, SlaEscalationRequested, SlaMet, SlaMetric, SlaWarning

from ..factories import consumers_ready, customer, manager, open_ticket, publish, sql, wait_until


async def processed(client, event_id: str) -> bool:
    return bool(await sql(client, "SELECT 1 FROM processed_events WHERE event_id = :e", e=uuid.UUID(event_id)))


async def feed(client, amqp_url, namespace, payload) -> dict:
    event_id = await publish(amqp_url, namespace, payload, producer="sla")
    await wait_until(lambda: processed(client, event_id))
    return (await client.get(f"/v1/tickets/{payload.ticket_id}", headers=manager())).json()


def clock(kind, ticket_id, metric, due_at, at):
    return kind(ticket_id=ticket_id, metric=metric, due_at=due_at, at=at, business_seconds_used=0)


async def test_sla_events_keep_the_tickets_flag_and_next_due_time(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-sla"))
    assert ticket["sla_state"] == "on_track" and ticket["sla_due_at"] is None
    now = datetime.now(UTC)
    first_due, resolution_due = now + timedelta(minutes=10), now + timedelta(hours=8)
    tid = ticket["id"]

    warned = await feed(
        client, amqp_url, amqp_namespace, clock(SlaWarning, tid, SlaMetric.FIRST_RESPONSE, first_due, now)
    )
    assert warned["sla_state"] == "at_risk"
    assert datetime.fromisoformat(warned["sla_due_at"]) == first_due

    later = now + timedelta(seconds=1)
    also = await feed(
        client, amqp_url, amqp_namespace, clock(SlaWarning, tid, SlaMetric.RESOLUTION, resolution_due, later)
    )
    assert datetime.fromisoformat(also["sla_due_at"]) == first_due

    breached = await feed(
        client,
        amqp_url,
        amqp_namespace,
        clock(SlaBreached, tid, SlaMetric.FIRST_RESPONSE, first_due, now + timedelta(seconds=2)),
    )
    assert breached["sla_state"] == "breached"

    met = await feed(
        client,
        amqp_url,
        amqp_namespace,
        clock(SlaMet, tid, SlaMetric.FIRST_RESPONSE, None, now + timedelta(seconds=3)),
    )
    assert met["sla_state"] == "at_risk"
    assert datetime.fromisoformat(met["sla_due_at"]) == resolution_due

    stale = await feed(
        client,
        amqp_url,
        amqp_namespace,
        clock(SlaBreached, tid, SlaMetric.FIRST_RESPONSE, first_due, now + timedelta(seconds=2)),
    )
    assert stale["sla_state"] == "at_risk" and stale["version"] == met["version"]

    listed = await client.get("/v1/tickets", params={"sla_state": "at_risk"}, headers=manager())
    assert [t["id"] for t in listed.json()["items"]] == [tid]


def escalation(ticket_id, level, metric):
    return SlaEscalationRequested(ticket_id=ticket_id, level=level, metric=metric)


def changed(ticket_id, metric, state, due_at, at, run=1):
    return SlaClockChanged(ticket_id=ticket_id, metric=metric, run=run, state=state, due_at=due_at, at=at)


async def test_the_due_time_is_set_when_a_clock_starts_and_moves_on_pause_and_resume(
    client, amqp_url, amqp_namespace
):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-clock"))
    other = await open_ticket(client, customer("c-clock"))
    tid, now = ticket["id"], datetime.now(UTC)
    due = now + timedelta(minutes=30)

    started = await feed(client, amqp_url, amqp_namespace, changed(tid, SlaMetric.FIRST_RESPONSE, "running", due, now))
    assert started["sla_state"] == "on_track"
    assert datetime.fromisoformat(started["sla_due_at"]) == due
    by_due = await client.get("/v1/tickets", params={"sort": "sla_due"}, headers=manager())
    assert [t["id"] for t in by_due.json()["items"]] == [tid, other["id"]]

    paused_at = now + timedelta(minutes=5)
    paused = await feed(
        client, amqp_url, amqp_namespace, changed(tid, SlaMetric.FIRST_RESPONSE, "paused", None, paused_at)
    )
    assert paused["sla_due_at"] is None

    moved = due + timedelta(minutes=10)
    resumed = await feed(
        client,
        amqp_url,
        amqp_namespace,
        changed(tid, SlaMetric.FIRST_RESPONSE, "running", moved, paused_at + timedelta(minutes=10)),
    )
    assert datetime.fromisoformat(resumed["sla_due_at"]) == moved

    late_pause = await feed(
        client, amqp_url, amqp_namespace, changed(tid, SlaMetric.FIRST_RESPONSE, "paused", None, paused_at)
    )
    assert datetime.fromisoformat(late_pause["sla_due_at"]) == moved
    assert late_pause["version"] == resumed["version"]


async def test_a_reply_just_before_the_deadline_ends_met_although_the_breach_arrived_first(
    client, amqp_url, amqp_namespace
):
    """Issue 8 item 4: the breach timer fires, sla escalates, then applies the reply that came in time."""
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-race"))
    tid, now = ticket["id"], datetime.now(UTC)
    due = now + timedelta(seconds=60)
    metric = SlaMetric.FIRST_RESPONSE
    await feed(client, amqp_url, amqp_namespace, changed(tid, metric, "running", due, now))
    breached = await feed(
        client,
        amqp_url,
        amqp_namespace,
        SlaBreached(ticket_id=tid, metric=metric, due_at=due, at=due, run=1, business_seconds_used=60),
    )
    assert breached["sla_state"] == "breached"
    escalated = await feed(client, amqp_url, amqp_namespace, escalation(tid, 2, metric))
    assert escalated["escalation_level"] == 2

    met = await feed(
        client,
        amqp_url,
        amqp_namespace,
        SlaMet(
            ticket_id=tid,
            metric=metric,
            due_at=due,
            at=due - timedelta(seconds=1),
            run=1,
            within_target=True,
            business_seconds_used=59,
        ),
    )
    assert met["sla_state"] == "on_track" and met["sla_due_at"] is None
    [(clocks,)] = await sql(client, "SELECT sla_clocks FROM tickets WHERE id = :t", t=uuid.UUID(tid))
    assert clocks["first_response"]["ended"] == "met" and clocks["first_response"]["within_target"] is True

    again = await feed(client, amqp_url, amqp_namespace, escalation(tid, 3, metric))
    assert again["escalation_level"] == 2, "a breach shown to be met escalates no further (nor back down)"
    replayed_breach = await feed(
        client,
        amqp_url,
        amqp_namespace,
        SlaBreached(ticket_id=tid, metric=metric, due_at=due, at=due, run=1, business_seconds_used=60),
    )
    assert replayed_breach["sla_state"] == "on_track"
