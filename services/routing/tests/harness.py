"""A running routing service under test, and tickets whose events a test feeds it."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from helpdesk_contracts import Envelope, Payload, make_envelope
from helpdesk_contracts.tickets import (
    TicketAssigned,
    TicketCreated,
    TicketEscalated,
    TicketMessageAdded,
    TicketSnapshot,
    TicketStatusChanged,
    TicketUpdated,
)
from helpdesk_routing.assignment.consumers import consumers
from helpdesk_routing.main import build
from helpdesk_routing.settings import RoutingSettings
from helpdesk_servicekit.broker import AmqpPublisher
from helpdesk_servicekit.testing.helpers import (  # shared by every service's tests, re-exported here
    a_merchant as a_merchant,
    agent as agent,
    customer as customer,
    eventually as eventually,
    manager as manager,
)
from helpdesk_servicekit.testing.plugin import running
from helpdesk_servicekit.testing.tap import EventTap


@contextlib.asynccontextmanager
async def started(settings: RoutingSettings) -> AsyncIterator[Any]:
    async with running(build(settings)) as client:
        yield client


@dataclass
class Routing:
    """One routing service: its HTTP client, its database sessions, the events it publishes (tap)."""

    http: Any
    publisher: AmqpPublisher | None = None
    tap: EventTap | None = None

    @property
    def sessions(self) -> Any:
        return self.http.app.state.sessions

    async def apply(self, envelope: Envelope, payload: Payload) -> bool:
        """Run the consumer's handler in its inbox-guarded transaction, as a delivery would."""
        return await consumers.apply(self.sessions, envelope, payload)

    async def add_group(self, merchant: str, name: str, **fields: Any) -> dict[str, Any]:
        response = await self.http.post("/v1/groups", json={"name": name} | fields, headers=manager(merchant))
        assert response.status_code == 201, response.text
        return response.json()

    async def add_agent(self, merchant: str, user_id: str, **fields: Any) -> dict[str, Any]:
        body = {"user_id": user_id, "name": f"Agent {user_id}", "status": "online"} | fields
        response = await self.http.post("/v1/agents", json=body, headers=manager(merchant))
        assert response.status_code == 201, response.text
        return response.json()

    async def add_rule(self, merchant: str, **fields: Any) -> dict[str, Any]:
        response = await self.http.post("/v1/routing/rules", json={"name": "rule"} | fields, headers=manager(merchant))
        assert response.status_code == 201, response.text
        return response.json()

    async def set_status(self, merchant: str, user_id: str, status: str) -> dict[str, Any]:
        response = await self.http.put(
            "/v1/agents/me/status", json={"status": status}, headers=agent(merchant, user_id)
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def load_of(self, merchant: str, user_id: str) -> int:
        response = await self.http.get(f"/v1/agents/{user_id}", headers=manager(merchant))
        assert response.status_code == 200, response.text
        return int(response.json()["load"])

    async def ticket_row(self, merchant: str, ticket_id: uuid.UUID) -> Any:
        async with self.sessions() as session:
            result = await session.execute(
                text("SELECT * FROM routing_tickets WHERE merchant_id = :m AND ticket_id = :t"),
                {"m": merchant, "t": ticket_id},
            )
            return result.first()

    async def outbox(self, merchant: str, event_type: str | None = None) -> list[dict[str, Any]]:
        """Events routing wrote for `merchant`, in the order they were written."""
        async with self.sessions() as session:
            result = await session.execute(
                text(
                    "SELECT envelope FROM outbox WHERE merchant_id = :m AND (CAST(:t AS text) IS NULL"
                    " OR event_type = :t) ORDER BY id"
                ),
                {"m": merchant, "t": event_type},
            )
            return [r[0] for r in result]

    async def decisions(self, merchant: str) -> dict[str, str]:
        """ticket id -> the agent of its latest routing.assignment_decided."""
        return {
            e["payload"]["ticket_id"]: e["payload"]["agent_id"]
            for e in await self.outbox(merchant, "routing.assignment_decided")
        }

    def tapped(self, event_type: str, merchant: str) -> list[dict[str, Any]]:
        assert self.tap is not None
        return [b for b in (json.loads(m.body) for m in self.tap.messages) if b["event_type"] == event_type
                and b["merchant_id"] == merchant]


@dataclass
class Ticket:
    """One ticket as the tickets service would announce it; each call builds the next event (version + 1)."""

    merchant: str
    priority: str = "normal"
    tags: list[str] = field(default_factory=list)
    category_id: uuid.UUID | None = None
    status: str = "new"
    assignee_id: str | None = None
    escalation_level: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 0
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def snapshot(self) -> TicketSnapshot:
        return TicketSnapshot(
            ticket_id=self.id,
            number=1,
            customer_id="cust-1",
            subject="Where is my parcel?",
            status=self.status,  # type: ignore[arg-type]
            priority=self.priority,  # type: ignore[arg-type]
            category_id=self.category_id,
            tags=self.tags,
            assignee_id=self.assignee_id,
            escalation_level=self.escalation_level,
            created_at=self.created_at,
            ticket_version=self.version,
        )

    def _next(self, build_payload: Callable[[], Payload], at: datetime | None = None) -> tuple[Envelope, Payload]:
        self.version += 1
        payload = build_payload()
        envelope = make_envelope(payload, merchant_id=self.merchant, producer="tickets")
        if at is not None:
            envelope.occurred_at = at
        return envelope, payload

    def created(self) -> tuple[Envelope, Payload]:
        return self._next(lambda: TicketCreated(ticket=self.snapshot()))

    def assigned(self, assignee: str | None, at: datetime | None = None) -> tuple[Envelope, Payload]:
        previous, self.assignee_id = self.assignee_id, assignee
        if assignee is not None and self.status in ("new", "reopened"):
            self.status = "assigned"
        return self._next(
            lambda: TicketAssigned(ticket=self.snapshot(), previous_assignee_id=previous, assignee_id=assignee), at
        )

    def moved(self, to: str, at: datetime | None = None) -> tuple[Envelope, Payload]:
        previous, self.status = self.status, to
        return self._next(
            lambda: TicketStatusChanged(ticket=self.snapshot(), from_status=previous, to_status=to),  # type: ignore[arg-type]
            at,
        )

    def updated(self, **changes: Any) -> tuple[Envelope, Payload]:
        for name, value in changes.items():
            setattr(self, name, value)
        return self._next(lambda: TicketUpdated(ticket=self.snapshot(), changed=list(changes)))

    def escalated(self, level: int) -> tuple[Envelope, Payload]:
        previous, self.escalation_level = self.escalation_level, level
        return self._next(
            lambda: TicketEscalated(ticket=self.snapshot(), from_level=previous, level=level, reason="manual")  # type: ignore[arg-type]
        )

    def replied(self, author: str, at: datetime | None = None, first: bool = True) -> tuple[Envelope, Payload]:
        return self._next(
            lambda: TicketMessageAdded(
                ticket=self.snapshot(),
                message_id=uuid.uuid4(),
                visibility="public",  # type: ignore[arg-type]
                author_id=author,
                author_role="agent",  # type: ignore[arg-type]
                body="On its way",
                first_response=first,
            ),
            at,
        )


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)
