"""An internal note's text reaches nothing a customer can see: every customer GET of all six services, the
customer's WebSocket frames, the customer's email, and every event a customer-facing consumer (notify, feedback,
knowledge) receives. The agent does see it, over the same HTTP, so the check can fail."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from email.message import Message
from typing import Any

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from helpdesk_contracts.topology import CONSUMES
from helpdesk_servicekit.testing.helpers import eventually
from helpdesk_servicekit.testing.plugin import bearer

from ..integration.conftest import SERVICES, platform_of
from .test_authz_matrix import ROUTES, concrete
from .world import AGENT, CUSTOMER, MANAGER, seed

pytestmark = pytest.mark.timeout(180)

CUSTOMER_FACING = ("notify", "feedback", "knowledge")
CUSTOMER_EMAIL = "cust-sec-a@example.com"


def mail_text(message: Message) -> str:
    """Headers and every decoded text part of a received email."""
    parts = [str(value) for value in message.values()]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


@contextlib.asynccontextmanager
async def live_frames(app: Any, headers: dict[str, str]) -> AsyncIterator[list[str]]:
    """Every text frame notify's WebSocket sends the user while the block runs."""
    token = headers["Authorization"].removeprefix("Bearer ")
    frames: list[str] = []
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://t") as client:
        async with aconnect_ws(f"http://t/v1/ws?token={token}", client) as ws:

            async def read() -> None:
                with contextlib.suppress(WebSocketDisconnect):
                    while True:
                        frames.append(await ws.receive_text())

            reader = asyncio.create_task(read())
            await eventually(lambda: frames, timeout=10)  # the hello: the socket is registered
            try:
                yield frames
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader


def strings(document: Any) -> list[str]:
    if isinstance(document, str):
        return [document]
    if isinstance(document, dict):
        return [*document.keys(), *(s for v in document.values() for s in strings(v))]
    if isinstance(document, list):
        return [s for item in document for s in strings(item)]
    return []


def shows(text: str, marker: str, asked: str | None) -> bool:
    """Whether a response shows the marker, beyond echoing back the search text the request itself sent."""
    try:
        values = strings(json.loads(text))
    except ValueError:
        return marker in text
    return any(marker in value for value in values if value != asked)


async def customer_gets(system: Any, ids: dict[str, str], marker: str) -> dict[str, tuple[str, str | None]]:
    """The body of every GET route of every service, as the ticket's customer (the matrix's table and ids)."""
    bodies: dict[str, tuple[str, str | None]] = {}
    queries = [{}, {"q": marker}, {"q": "parcel"}]
    for service in SERVICES:
        client = getattr(system, service)
        for (method, template), probe in ROUTES[service].items():
            if method != "GET" or template in ("/metrics", "/asyncapi.json"):
                continue
            path = concrete(service, template, ids)
            for query in queries:
                params = (probe.query or {}) | query
                if "window" in params:
                    params = {"from": "2026-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"}
                response = await client.get(path, params=params, headers=CUSTOMER)
                bodies[f"GET {service} {path} {params} -> {response.status_code}"] = (response.text, params.get("q"))
    return bodies


async def test_an_internal_note_reaches_nothing_the_customer_sees(database_factory, amqp_url, amqp_run_namespace):
    marker = f"sekritnote{uuid.uuid4().hex[:10]}"
    async with platform_of(SERVICES, database_factory, amqp_url, f"{amqp_run_namespace}leaks.") as system:
        world = await seed(system)
        ticket = world.ids["ticket"]
        mails_before = len(system.mailbox.to(CUSTOMER_EMAIL))
        async with live_frames(system.notify.app, CUSTOMER) as frames:
            # The note carries a file: its name and bytes are the note's too.
            upload = await system.tickets.post(
                f"/v1/tickets/{ticket}/attachments",
                files={"file": (f"{marker}.txt", f"evidence {marker}".encode(), "text/plain")},
                headers=AGENT,
            )
            assert upload.status_code == 201, upload.text
            note = await system.tickets.post(
                f"/v1/tickets/{ticket}/messages",
                json={"body": f"customer is lying, {marker}", "visibility": "internal",
                      "attachment_ids": [upload.json()["id"]]},
                headers=AGENT,
            )  # fmt: skip
            assert note.status_code == 201, note.text
            # A manager's note too, and a public reply after both: once its effects show, the notes' would have.
            await system.tickets.post(
                f"/v1/tickets/{ticket}/messages",
                json={"body": f"refund denied, {marker}", "visibility": "internal"},
                headers=MANAGER,
            )
            reply = await system.tickets.post(
                f"/v1/tickets/{ticket}/messages", json={"body": "still looking, after-the-note"}, headers=AGENT
            )
            assert reply.status_code == 201, reply.text

            async def inbox_has_reply() -> bool:
                listed = (await system.notify.get("/v1/notifications", headers=CUSTOMER)).json()["items"]
                return sum(n["kind"] == "agent_reply" for n in listed) >= 2

            await eventually(inbox_has_reply, timeout=20)
            await eventually(lambda: len(system.mailbox.to(CUSTOMER_EMAIL)) > mails_before, timeout=20)
            await eventually(lambda: len(frames) >= 2, timeout=20)
            assert system.tap is not None
            await system.tap.settle(1.0)

        seen = await customer_gets(system, world.ids, marker)
        download = await system.tickets.get(f"/v1/attachments/{upload.json()['id']}", headers=CUSTOMER)
        seen[f"GET tickets the note's attachment -> {download.status_code}"] = (download.text, None)
        seen |= {f"WebSocket frame {i}": (frame, None) for i, frame in enumerate(frames)}
        seen |= {f"email {m['Subject']!r}": (mail_text(m), None) for m in system.mailbox.to(CUSTOMER_EMAIL)}
        consumed = {event for service in CUSTOMER_FACING for event in CONSUMES.get(service, ())}
        events = [b for m in system.tap.messages if m.routing_key in consumed for b in [json.loads(m.body)]]
        seen |= {f"event {b['event_type']} {b['event_id']}": (json.dumps(b), None) for b in events}
        assert any(k.startswith("event ticket.message_added") for k in seen)  # the notes' events were looked at
        assert any(k.startswith("email") for k in seen) and len(frames) >= 2
        leaked = sorted(where for where, (text, asked) in seen.items() if shows(text, marker, asked))
        assert len([k for k in seen if k.startswith("GET")]) > 100
        assert not leaked, f"the internal note's text reached the customer in: {leaked}"
        # The staff do see it, through the same routes: the marker is findable, so the check above can fail.
        staff_messages = await system.tickets.get(f"/v1/tickets/{ticket}/messages", headers=AGENT)
        assert marker in staff_messages.text
        staff_download = await system.tickets.get(f"/v1/attachments/{upload.json()['id']}", headers=AGENT)
        assert staff_download.status_code == 200 and marker in staff_download.text
        staff_search = await system.tickets.get("/v1/tickets", params={"q": marker}, headers=AGENT)
        assert staff_search.status_code == 200 and ticket in staff_search.text
        customer_messages = await system.tickets.get(f"/v1/tickets/{ticket}/messages", headers=CUSTOMER)
        assert customer_messages.status_code == 200 and "after-the-note" in customer_messages.text
        # The customer's twin in another merchant sees nothing of it either.
        twin = bearer("cust-sec-a", "m-sec-b", "customer")
        assert marker not in (await system.tickets.get("/v1/tickets", params={"q": marker}, headers=twin)).text
