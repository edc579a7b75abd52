"""A running feedback service under test, tickets whose events a test feeds it, and small factories."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from helpdesk_contracts import (
    Envelope,
    Payload,
    TicketAssigned,
    TicketCreated,
    TicketSnapshot,
    TicketStatusChanged,
    TicketUpdated,
    make_envelope,
)
from helpdesk_feedback.tickets.consumers import consumers
from helpdesk_servicekit.broker import AmqpPublisher
from helpdesk_servicekit.testing.helpers import (  # shared by every service's tests, re-exported here
    a_merchant as a_merchant,
    agent as agent,
    customer as customer,
    eventually as eventually,
    manager as manager,
)
from helpdesk_servicekit.testing.tap import EventTap


@dataclass
class Harness:
    http: Any  # the httpx client of the running service; `.app` is the FastAPI app
    publisher: AmqpPublisher
    tap: EventTap

    @property
    def sessions(self) -> Any:
        return self.http.app.state.sessions

    async def configure(self, merchant: str, **types: dict[str, Any]) -> dict[str, Any]:
        """PATCH the merchant's survey settings, e.g. configure(m, csat={"enabled": True, "delay_seconds": 0})."""
        response = await self.http.patch("/v1/surveys/settings", json=types, headers=manager(merchant))
        assert response.status_code == 200, response.text
        return response.json()

    async def staged(self, merchant: str, event_type: str, **payload_fields: Any) -> list[dict[str, Any]]:
        """Payloads of the events the service wrote to its outbox for `merchant` (published or not)."""
        async with self.sessions() as session:
            rows = await session.execute(
                text("SELECT envelope FROM outbox WHERE merchant_id = :m AND event_type = :t ORDER BY id"),
                {"m": merchant, "t": event_type},
            )
            payloads = [row.envelope["payload"] for row in rows]
        return [p for p in payloads if all(p.get(k) == str(v) for k, v in payload_fields.items())]

    async def wait_staged(
        self, merchant: str, event_type: str, count: int = 1, timeout: float = 10.0, **payload_fields: Any
    ) -> list[dict[str, Any]]:
        async def enough() -> list[dict[str, Any]] | None:
            found = await self.staged(merchant, event_type, **payload_fields)
            return found if len(found) >= count else None

        return await eventually(enough, timeout)

    def published(self, event_type: str, **payload_fields: Any) -> list[dict[str, Any]]:
        """Payloads of `event_type` seen on the exchange so far, matching `payload_fields`."""
        return [
            body["payload"]
            for body in (json.loads(m.body) for m in self.tap.messages)
            if body["event_type"] == event_type
            and all(body["payload"].get(k) == str(v) for k, v in payload_fields.items())
        ]

    async def invitations(self, ticket: TicketStream) -> list[dict[str, Any]]:
        response = await self.http.get(
            f"/v1/surveys/tickets/{ticket.id}/invitations", headers=manager(ticket.merchant)
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def token_for(self, ticket: TicketStream, survey_type: str = "csat", timeout: float = 10.0) -> str:
        """The link token of the ticket's latest invitation of `survey_type`, once it was sent."""
        invited = await self.wait_staged(
            ticket.merchant, "survey.invited", timeout=timeout, ticket_id=ticket.id, survey_type=survey_type
        )
        return str(invited[-1]["token"])


@dataclass
class TicketStream:
    """One ticket as the tickets service would announce it: each call builds (and feeds) the next event.

    By default events are applied through the consumers' inbox-guarded handler directly (no broker);
    with `via_broker` they are published to the exchange for the running service's queues.
    """

    harness: Harness
    merchant: str
    status: str = "new"
    assignee_id: str | None = "agent-1"
    category_id: uuid.UUID | None = None
    customer_id: str = "cust-1"
    customer_email: str | None = "ada@example.com"
    customer_name: str | None = "Ada"
    locale: str | None = "en"
    via_broker: bool = False
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    number: int = 1042
    version: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    sent: list[tuple[Envelope, Payload]] = field(default_factory=list)

    def snapshot(self) -> TicketSnapshot:
        return TicketSnapshot(
            ticket_id=self.id,
            number=self.number,
            customer_id=self.customer_id,
            subject="Where is my parcel?",
            status=self.status,  # type: ignore[arg-type]
            priority="normal",  # type: ignore[arg-type]
            category_id=self.category_id,
            assignee_id=self.assignee_id,
            created_at=self.created_at,
            ticket_version=self.version,
            customer_email=self.customer_email,
            customer_name=self.customer_name,
            locale=self.locale,
        )

    async def created(self) -> Envelope:
        return await self.emit(lambda: TicketCreated(ticket=self.snapshot()))

    async def moved(self, to: str, actor_id: str = "agent-1", actor_role: str | None = "agent", **kw: Any) -> Envelope:
        previous, self.status = self.status, to
        return await self.emit(
            lambda: TicketStatusChanged(
                ticket=self.snapshot(),
                from_status=previous,  # type: ignore[arg-type]
                to_status=to,  # type: ignore[arg-type]
                actor_id=actor_id,
                actor_role=actor_role,  # type: ignore[arg-type]
            ),
            **kw,
        )

    async def emit_status(self, to: str, **kw: Any) -> tuple[Envelope, Payload]:
        """A status change by an agent, returned as (envelope, payload) (with feed=False: to deliver later)."""
        envelope = await self.moved(to, **kw)
        return envelope, self.sent[-1][1]

    async def assigned(self, agent_id: str) -> Envelope:
        previous, self.assignee_id = self.assignee_id, agent_id
        return await self.emit(
            lambda: TicketAssigned(ticket=self.snapshot(), previous_assignee_id=previous, assignee_id=agent_id)
        )

    async def recategorized(self, category_id: uuid.UUID) -> Envelope:
        self.category_id = category_id
        return await self.emit(lambda: TicketUpdated(ticket=self.snapshot(), changed=["category_id"]))

    async def emit(self, build: Callable[[], Payload], *, feed: bool = True) -> Envelope:
        """Build the next event (the next ticket_version); feed it to the service unless `feed` is False."""
        self.version += 1
        payload = build()
        envelope = make_envelope(payload, merchant_id=self.merchant, producer="tickets")
        self.sent.append((envelope, payload))
        if feed:
            await self.feed(envelope, payload)
        return envelope

    async def feed(self, envelope: Envelope, payload: Payload) -> bool:
        """Deliver one event (again, if it was already): False when the inbox skipped it as a duplicate."""
        if self.via_broker:
            await self.harness.publisher.publish_envelope(envelope.model_dump(mode="json"))
            return True
        return await consumers.apply(self.harness.sessions, envelope, payload)

    async def resolved(self, **kw: Any) -> Envelope:
        if self.status in ("new", "reopened"):
            await self.moved("in_progress")
        return await self.moved("resolved", **kw)
