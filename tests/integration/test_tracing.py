"""One OpenTelemetry trace across the hops of a new ticket: the customer's POST, each outbox publish, routing's
decision, the assignment in tickets and notify's notification to the assignee, recorded by an in-memory exporter
on the process's tracer provider while tickets, routing and notify run with `tracing` on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from helpdesk_servicekit.telemetry import configure_tracing, remove_span_processor
from helpdesk_servicekit.testing.helpers import eventually
from helpdesk_servicekit.testing.plugin import bearer

from .conftest import platform_of

MERCHANT = "m-trace"
MANAGER = bearer("mgr-trace", MERCHANT, "manager")
AGENT_ID = "agent-trace"
AGENT = bearer(AGENT_ID, MERCHANT, "agent")
CUSTOMER = bearer("cust-trace", MERCHANT, "customer", email="cust-trace@example.com", name="Tracy", locale="en")




@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    configure_tracing("integration", span_processor=processor)
    try:
        yield exporter
    finally:
        remove_span_processor(processor)


@pytest.fixture
async def traced(spans, database_factory, amqp_url, amqp_namespace, monkeypatch):
    # Every service's settings read HELPDESK_TRACING, so each is built with `tracing=True` (platform_of takes no
    # per-setting overrides).
    monkeypatch.setenv("HELPDESK_TRACING", "true")
    async with platform_of(("tickets", "routing", "notify"), database_factory, amqp_url, amqp_namespace) as started:
        for client in (started.tickets, started.routing, started.notify):
            assert client.app.state.settings.tracing is True
        yield started


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    chain = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span)
    return chain


async def test_one_trace_links_the_post_the_publishes_the_routing_decision_the_assignment_and_the_notification(
    traced, spans
):
    group = await traced.routing.post("/v1/groups", json={"name": "L1", "is_default": True}, headers=MANAGER)
    assert group.status_code == 201, group.text
    agent = await traced.routing.post(
        "/v1/agents",
        json={
            "user_id": AGENT_ID,
            "name": "Ada Agent",
            "email": "ada@example.com",
            "group_ids": [group.json()["id"]],
            "status": "online",
            "max_concurrent_tickets": 3,
        },
        headers=MANAGER,
    )
    assert agent.status_code == 201, agent.text
    spans.clear()

    created = await traced.tickets.post(
        "/v1/tickets", json={"subject": "Where is my parcel?", "description": "It left a week ago"}, headers=CUSTOMER
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["id"]

    async def assigned() -> bool:
        ticket = (await traced.tickets.get(f"/v1/tickets/{ticket_id}", headers=MANAGER)).json()
        return ticket["assignee_id"] == AGENT_ID

    await eventually(assigned, timeout=20)

    def post_span() -> ReadableSpan:
        posts = [
            s
            for s in spans.get_finished_spans()
            if s.kind is SpanKind.SERVER
            and (s.attributes or {}).get("http.request.method") == "POST"
            and (s.attributes or {}).get("http.route") == "/v1/tickets"
        ]
        assert len(posts) == 1, [s.name for s in spans.get_finished_spans()]
        return posts[0]

    root = post_span()
    assert root.parent is None  # the customer's request starts the trace
    trace_id = root.context.trace_id

    def named(name: str, attribute: str, value: str) -> ReadableSpan | None:
        found = [
            s
            for s in spans.get_finished_spans()
            if s.name == name and (s.attributes or {}).get(attribute) == value and s.context.trace_id == trace_id
        ]
        return found[0] if found else None

    hops = [
        ("publish ticket.created", "producer", "tickets"),
        ("consume ticket.created", "consumer", "routing.ticket.created"),
        ("publish routing.assignment_decided", "producer", "routing"),
        ("consume routing.assignment_decided", "consumer", "tickets.routing.assignment_decided"),
        ("publish ticket.assigned", "producer", "tickets"),
        ("consume ticket.assigned", "consumer", "notify.ticket.assigned"),
    ]

    async def whole_chain():  # a consumer's span ends a moment after its transaction committed
        found = [named(*hop) for hop in hops]
        return found if all(found) else None

    chain: list[ReadableSpan] = await eventually(whole_chain, timeout=10)
    traced_spans = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in traced_spans}
    previous = root
    for (name, _, _), span in zip(hops, chain, strict=True):
        assert span.context.trace_id == trace_id, name
        assert previous in _ancestors(span, by_id), f"{name} does not descend from {previous.name}"
        previous = span
    kinds = {span.name: span.kind for span in chain}
    assert kinds["publish ticket.created"] is SpanKind.PRODUCER
    # Every consumer span of the journey descends from the customer's POST.
    for span in chain:
        assert root in _ancestors(span, by_id), span.name

    # What notify's traced consumption delivered: the assignee's in-app notification.
    async def assigned_notification():
        listed = await traced.notify.get("/v1/notifications", headers=AGENT)
        assert listed.status_code == 200, listed.text
        return [n for n in listed.json()["items"] if n["kind"] == "assigned_to_you" and n["ticket_id"] == ticket_id]

    await eventually(assigned_notification, timeout=10)


async def test_an_assignment_applied_beside_the_next_version_still_notifies_the_assignee(
    database_factory, amqp_url, amqp_namespace
):
    """The interleaving the trace test meets now and then, made certain: notify's apply of the ticket's next
    version (what its ticket.status_changed consumer writes) holds the projection row while ticket.assigned
    arrives, and commits once that consumer waits on the row."""
    import asyncpg

    async with platform_of(("tickets", "routing", "notify"), database_factory, amqp_url, amqp_namespace) as s:
        group = await s.routing.post("/v1/groups", json={"name": "L1", "is_default": True}, headers=MANAGER)
        await s.routing.post(  # offline: routing queues the ticket, the manager assigns it
            "/v1/agents", json={"user_id": AGENT_ID, "name": "Ada", "group_ids": [group.json()["id"]]}, headers=MANAGER
        )
        created = await s.tickets.post("/v1/tickets", json={"subject": "Broken zipper"}, headers=CUSTOMER)
        ticket_id = uuid.UUID(created.json()["id"])
        dsn = s.notify.app.state.settings.listen_dsn
        probe, concurrent = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
        try:

            async def known() -> bool:
                version = "SELECT ticket_version FROM notify_tickets WHERE ticket_id = $1"
                return await probe.fetchval(version, ticket_id) == 1

            await eventually(known, timeout=20)
            transaction = concurrent.transaction()
            await transaction.start()
            await concurrent.execute(
                "UPDATE notify_tickets SET ticket_version = 3, assignee_id = $1, status = 'assigned'"
                " WHERE ticket_id = $2",
                AGENT_ID,
                ticket_id,
            )

            async def assigned() -> bool:  # tickets learns the agent from routing's agent.upserted
                response = await s.tickets.post(
                    f"/v1/tickets/{ticket_id}/assignment", json={"agent_id": AGENT_ID}, headers=MANAGER
                )
                return response.status_code == 200

            await eventually(assigned, timeout=20)

            async def consumer_waits() -> bool:
                waiting = (
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
                return bool(await probe.fetchval(waiting))

            await eventually(consumer_waits, timeout=20, interval=0.05)
            await transaction.commit()

            async def applied() -> bool:
                done = "SELECT count(*) FROM processed_events WHERE consumer = 'notify.ticket.assigned'"
                return bool(await probe.fetchval(done))

            await eventually(applied, timeout=20)
        finally:
            await probe.close()
            await concurrent.close()
        listed = (await s.notify.get("/v1/notifications", headers=AGENT)).json()["items"]
        assert [n["kind"] for n in listed if n["ticket_id"] == str(ticket_id)] == ["assigned_to_you"]
