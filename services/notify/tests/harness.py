"""A notify service under test: real PostgreSQL, RabbitMQ, a real SMTP server (aiosmtpd) and real WebSockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import Message
from typing import Any

import uvicorn
import websockets
from aiosmtpd.controller import Controller
from sqlalchemy import text

from helpdesk_contracts import (
    Payload,
    TicketAssigned,
    TicketCompensationIssued,
    TicketCreated,
    TicketMessageAdded,
    TicketSnapshot,
    TicketStatusChanged,
    make_envelope,
)
from helpdesk_contracts.routing import AgentUpserted
from helpdesk_notify.main import build
from helpdesk_notify.settings import NotifySettings
from helpdesk_servicekit.broker import AmqpPublisher
from helpdesk_servicekit.devtoken import mint
from helpdesk_servicekit.testing.helpers import (  # shared by every service's tests, re-exported here
    Mailbox as Mailbox,
    a_merchant as a_merchant,
    eventually as eventually,
    free_port as free_port,
)
from helpdesk_servicekit.testing.plugin import TEST_JWT_SECRET, bearer, running


def token(sub: str, merchant: str, role: str) -> str:
    return mint(TEST_JWT_SECRET, sub=sub, merchant_id=merchant, role=role)


def auth(sub: str, merchant: str, role: str) -> dict[str, str]:
    return bearer(sub, merchant, role)


@contextlib.contextmanager
def smtp_server(port: int) -> Any:
    """A real SMTP server on 127.0.0.1:`port` (in its own thread) for as long as the block runs."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def text_of(message: Message) -> str:
    """Every text part of an email, decoded."""
    parts = [p for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(p.get_payload(decode=True).decode() for p in parts)  # type: ignore[union-attr]


@contextlib.asynccontextmanager
async def serving(settings: NotifySettings) -> AsyncIterator[Service]:
    """Run a notify app (lifespan, consumers) and a real uvicorn server for its WebSockets."""
    app = build(settings)
    async with running(app) as client:
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None, ws="websockets-sansio")
        )
        task = asyncio.create_task(server.serve())
        await eventually(lambda: server.started, timeout=10)
        await eventually(lambda: app.state.live.ready.is_set(), timeout=10)
        try:
            yield Service(http=client, port=port, app=app)
        finally:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)


@dataclass
class Service:
    http: Any
    port: int
    app: Any

    @property
    def sessions(self) -> Any:
        return self.app.state.sessions

    def ws_url(self, tok: str | None = None, **query: str) -> str:
        params = ({"token": tok} if tok else {}) | query
        qs = "&".join(f"{k}={v}" for k, v in params.items())
        return f"ws://127.0.0.1:{self.port}/v1/ws" + (f"?{qs}" if qs else "")

    async def inbox(self, sub: str, merchant: str, role: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.http.get("/v1/notifications", headers=auth(sub, merchant, role), params=params)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def deliveries(self, merchant: str, **params: Any) -> list[dict[str, Any]]:
        response = await self.http.get(
            "/v1/notifications/deliveries", headers=auth("mgr-x", merchant, "manager"), params=params
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]


class LiveClient:
    """A WebSocket client that collects every notification frame it receives."""

    def __init__(self, url: str, subprotocols: list[str] | None = None) -> None:
        self.url = url
        self.subprotocols = subprotocols
        self.frames: list[dict[str, Any]] = []
        self.hello: dict[str, Any] | None = None
        self._ws: Any = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LiveClient:
        self._ws = await websockets.connect(self.url, subprotocols=self.subprotocols)  # type: ignore[arg-type]
        self._task = asyncio.create_task(self._read())
        await eventually(lambda: self.hello is not None, timeout=10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def _read(self) -> None:
        async for raw in self._ws:
            frame = json.loads(raw)
            if frame["type"] == "hello":
                self.hello = frame
            elif frame["type"] == "notification":
                self.frames.append(frame["notification"])
            elif frame["type"] == "ping":
                await self._ws.send(json.dumps({"type": "pong"}))

    def kinds(self) -> list[str]:
        return [f["kind"] for f in self.frames]


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TicketStory:
    """One ticket as the tickets service would announce it: each call publishes the next event."""

    publisher: AmqpPublisher | None
    merchant: str
    customer_id: str = "cust-1"
    customer_email: str | None = "customer@example.com"
    assignee_id: str | None = None
    status: str = "new"
    number: int = 1042
    subject: str = "Where is my parcel?"
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)

    def snapshot(self) -> TicketSnapshot:
        return TicketSnapshot(
            ticket_id=self.id,
            number=self.number,
            customer_id=self.customer_id,
            subject=self.subject,
            status=self.status,  # type: ignore[arg-type]
            priority="normal",  # type: ignore[arg-type]
            assignee_id=self.assignee_id,
            created_at=now() - timedelta(minutes=5),
            ticket_version=self.version,
            customer_email=self.customer_email,
            customer_name="Casey Customer",
            locale="en",
        )

    async def created(self) -> dict[str, Any]:
        return await self.emit(
            lambda: TicketCreated(ticket=self.snapshot(), actor_id=self.customer_id, actor_role="customer")
        )  # type: ignore[arg-type]

    async def assigned(self, agent_id: str, by: str = "routing") -> dict[str, Any]:
        previous, self.assignee_id = self.assignee_id, agent_id
        self.status = "assigned"
        return await self.emit(
            lambda: TicketAssigned(
                ticket=self.snapshot(), previous_assignee_id=previous, assignee_id=agent_id, actor_id=by
            )
        )

    async def replied(
        self, author: str, role: str = "agent", visibility: str = "public", body: str | None = "We shipped it today."
    ) -> dict[str, Any]:
        return await self.emit(
            lambda: TicketMessageAdded(
                ticket=self.snapshot(),
                message_id=uuid.uuid4(),
                visibility=visibility,  # type: ignore[arg-type]
                author_id=author,
                author_role=role,  # type: ignore[arg-type]
                body=body if visibility == "public" else None,
                actor_id=author,
                actor_role=role,  # type: ignore[arg-type]
            )
        )

    async def moved(self, to: str, by: str | None = None) -> dict[str, Any]:
        previous, self.status = self.status, to
        return await self.emit(
            lambda: TicketStatusChanged(
                ticket=self.snapshot(),
                from_status=previous,
                to_status=to,  # type: ignore[arg-type]
                actor_id=by,
            )
        )

    async def compensated(self, reason: str, note: str | None, by: str) -> dict[str, Any]:
        return await self.emit(
            lambda: TicketCompensationIssued(
                ticket=self.snapshot(),
                compensation_id=uuid.uuid4(),
                type="voucher",  # type: ignore[arg-type]
                amount=Decimal("15.00"),
                currency="EUR",
                reason=reason,
                customer_note=note,
                actor_id=by,
            )
        )

    async def emit(self, build_payload: Callable[[], Payload]) -> dict[str, Any]:
        self.version += 1
        envelope = make_envelope(build_payload(), merchant_id=self.merchant, producer="tickets").model_dump(mode="json")
        self.sent.append(envelope)
        if self.publisher is not None:
            await self.publisher.publish_envelope(envelope)
        return envelope


async def publish(publisher: AmqpPublisher, payload: Payload, merchant: str, producer: str) -> dict[str, Any]:
    envelope = make_envelope(payload, merchant_id=merchant, producer=producer).model_dump(mode="json")
    await publisher.publish_envelope(envelope)
    return envelope


async def staff(
    publisher: AmqpPublisher,
    merchant: str,
    agent_id: str,
    role: str = "agent",
    email_address: str | None = None,
    version: int = 1,
) -> dict[str, Any]:
    """Announce an agent or manager in routing's directory."""
    return await publish(
        publisher,
        AgentUpserted(
            agent_id=agent_id,
            name=agent_id.title(),
            email=email_address,
            role=role,
            tier=1,  # type: ignore[arg-type]
            version=version,
        ),
        merchant,
        "routing",
    )


async def applied(sessions: Any, *envelopes: dict[str, Any], timeout: float = 15.0) -> None:
    """Wait until the notify consumers recorded every envelope as processed."""
    ids = [uuid.UUID(e["event_id"]) for e in envelopes]

    async def done() -> bool:
        async with sessions() as session:
            found = await session.execute(
                text("SELECT count(DISTINCT event_id) FROM processed_events WHERE event_id = ANY(:ids)"), {"ids": ids}
            )
            return found.scalar_one() == len(ids)

    await eventually(done, timeout)
