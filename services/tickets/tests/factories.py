"""Small builders for test data, principals, and waiting on asynchronous effects."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import text

from helpdesk_contracts import Payload, make_envelope
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.plugin import bearer


def customer(sub: str = "cust-1", merchant: str = "m1") -> dict[str, str]:
    return bearer(sub, merchant, "customer")


def agent(sub: str = "agent-1", merchant: str = "m1") -> dict[str, str]:
    return bearer(sub, merchant, "agent")


def manager(sub: str = "mgr-1", merchant: str = "m1") -> dict[str, str]:
    return bearer(sub, merchant, "manager")


def a_ticket(**overrides: Any) -> dict[str, Any]:
    return {
        "subject": "My order arrived broken",
        "description": "The vase is in pieces.",
        "priority": "normal",
    } | overrides


async def open_ticket(client: Any, who: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/tickets", json=a_ticket(**overrides), headers=who or customer())
    assert response.status_code == 201, response.text
    return response.json()


async def move(client: Any, ticket_id: str, *statuses: str, who: dict[str, str] | None = None) -> dict[str, Any]:
    """Walk the ticket through `statuses` with the status endpoint."""
    body: dict[str, Any] = {}
    for status in statuses:
        response = await client.post(f"/v1/tickets/{ticket_id}/status", json={"status": status}, headers=who or agent())
        assert response.status_code == 200, response.text
        body = response.json()
    return body


async def resolved_ticket(client: Any, who: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    ticket = await open_ticket(client, who or customer(), **overrides)
    return await move(client, ticket["id"], "in_progress", "resolved")


async def reply(client: Any, ticket_id: str, who: dict[str, str], body: str = "hello", **extra: Any) -> Any:
    return await client.post(f"/v1/tickets/{ticket_id}/messages", json={"body": body} | extra, headers=who)


async def upload(
    client: Any, ticket_id: str, who: dict[str, str], content: bytes, filename: str = "photo.png", **headers: str
) -> Any:
    files = {"file": (filename, content, "application/octet-stream")}
    return await client.post(f"/v1/tickets/{ticket_id}/attachments", files=files, headers=who | headers)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


async def history(client: Any, ticket_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/tickets/{ticket_id}/history", params={"limit": 200}, headers=manager())
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def sql(client: Any, statement: str, **params: Any) -> list[Any]:
    """Run SQL against the service's own database (for arranging state and checking what was stored)."""
    async with client.app.state.sessions() as session:
        result = await session.execute(text(statement), params)
        rows = list(result.all()) if result.returns_rows else []
        await session.commit()
        return rows


async def known_agents(
    client: Any, *agent_ids: str, merchant: str = "m1", groups: tuple[str, ...] = (), active: bool = True
) -> None:
    """Put agents in the service's copy of routing's directory, as `agent.upserted` would (tests of the
    projection itself publish the events)."""
    for agent_id in agent_ids:
        await sql(
            client,
            "INSERT INTO agents (merchant_id, agent_id, name, role, tier, group_ids, active, version)"
            " VALUES (:m, :a, :a, 'agent', 1, CAST(:g AS text[]), :active, 1)"
            " ON CONFLICT (merchant_id, agent_id)"
            " DO UPDATE SET group_ids = EXCLUDED.group_ids, active = EXCLUDED.active",
            m=merchant,
            a=agent_id,
            g=list(groups),
            active=active,
        )


async def wait_until(check: Callable[[], Awaitable[Any]], timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy; generous timeouts, never a speed test."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


async def consumers_ready(app: Any) -> None:
    """Wait until the app's consumers are subscribed (their queues exist), so published events reach them."""

    async def started() -> bool:
        return bool(app.state.runtime.broker_started)

    await wait_until(started)


async def publish(
    amqp_url: str,
    namespace: str,
    payload: Payload,
    *,
    merchant_id: str = "m1",
    producer: str = "routing",
    occurred_at: datetime | None = None,
) -> str:
    """Put an event on the real exchange as another service would; returns its event id."""
    envelope = make_envelope(payload, merchant_id=merchant_id, producer=producer)
    if occurred_at is not None:
        envelope.occurred_at = occurred_at
    publisher = AmqpPublisher(amqp_url, Topology(namespace))
    try:
        await publisher.publish_envelope(envelope.model_dump(mode="json"))
    finally:
        await publisher.close()
    return str(envelope.event_id)
