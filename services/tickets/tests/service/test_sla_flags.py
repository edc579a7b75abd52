import uuid
from datetime import UTC, datetime, timedelta

from helpdesk_contracts import SlaBreached, SlaMet, SlaMetric, SlaWarning

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
