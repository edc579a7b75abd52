"""A running SLA service under test, and a ticket whose events a test publishes to it."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from helpdesk_contracts import (
    Envelope,
    Payload,
    TicketCreated,
    TicketEscalated,
    TicketMessageAdded,
    TicketSnapshot,
    TicketStatusChanged,
    TicketUpdated,
    make_envelope,
)
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
from helpdesk_sla.clocks.consumers import consumers
from helpdesk_sla.main import build
from helpdesk_sla.settings import SlaSettings


def now() -> datetime:
    return datetime.now(UTC)


@contextlib.asynccontextmanager
async def started(settings: SlaSettings) -> AsyncIterator[Any]:
    """Run an SLA app until its consumers are attached (publishing earlier would go unrouted)."""
    app = build(settings)
    async with running(app) as client:
        yield client


@dataclass
class Harness:
    app: Any  # the httpx client of the running service; `.app` is the FastAPI app
    publisher: AmqpPublisher
    tap: EventTap

    @property
    def http(self) -> Any:
        return self.app

    @property
    def sessions(self) -> Any:
        return self.app.app.state.sessions

    def events(self, ticket: TicketStream, event_type: str | None = None) -> list[dict[str, Any]]:
        """SLA events about `ticket` seen on the exchange so far."""
        return [
            body
            for body in (json.loads(message.body) for message in self.tap.messages)
            if body["payload"].get("ticket_id") == str(ticket.id)
            and (event_type is None or body["event_type"] == event_type)
        ]

    async def wait_events(
        self, ticket: TicketStream, event_type: str, count: int = 1, timeout: float = 15.0
    ) -> list[dict[str, Any]]:
        return await eventually(
            lambda: len(self.events(ticket, event_type)) >= count and self.events(ticket, event_type), timeout
        )

    async def applied(self, ticket: TicketStream, timeout: float = 15.0) -> None:
        """Wait until the service has consumed every event published for `ticket`."""
        await applied(self.sessions, ticket, timeout)

    async def sla_of(self, ticket: TicketStream, timeout: float = 15.0) -> dict[str, Any]:
        """GET the ticket's SLA once the service has consumed every event published for it."""
        await self.applied(ticket, timeout)
        response = await self.http.get(f"/v1/sla/tickets/{ticket.id}", headers=agent(ticket.merchant))
        assert response.status_code == 200, response.text
        return response.json()

    async def create_policy(self, merchant: str, **fields: Any) -> dict[str, Any]:
        response = await self.http.post("/v1/sla/policies", json=a_policy(**fields), headers=manager(merchant))
        assert response.status_code == 201, response.text
        return response.json()

    async def create_calendar(self, merchant: str, **fields: Any) -> dict[str, Any]:
        response = await self.http.post("/v1/sla/calendars", json=a_calendar(**fields), headers=manager(merchant))
        assert response.status_code == 201, response.text
        return response.json()


def a_policy(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Normal tickets",
        "priority": "normal",
        "first_response_seconds": 3600,
        "resolution_seconds": 8 * 3600,
    } | fields


def a_calendar(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Berlin office",
        "time_zone": "Europe/Berlin",
        "weekly_hours": [{"day": day, "start": "09:00", "end": "17:00"} for day in ("monday", "tuesday", "wednesday")],
    } | fields


@dataclass
class TicketStream:
    """One ticket as the tickets service would announce it: each call publishes the next event."""

    harness: Harness | None
    merchant: str
    priority: str = "normal"
    category_id: uuid.UUID | None = None
    tags: list[str] = field(default_factory=list)
    status: str = "new"
    escalation_level: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    version: int = 0
    created_at: datetime = field(default_factory=now)
    sent: list[tuple[Envelope, Payload]] = field(default_factory=list)

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
            escalation_level=self.escalation_level,
            created_at=self.created_at,
            ticket_version=self.version,
        )

    async def created(self, at: datetime | None = None) -> TicketStream:
        if at is not None:
            self.created_at = at
        await self._emit(lambda: TicketCreated(ticket=self.snapshot()), at or self.created_at)
        return self

    async def replied(self, role: str = "agent", visibility: str = "public", at: datetime | None = None) -> None:
        await self._emit(
            lambda: TicketMessageAdded(
                ticket=self.snapshot(),
                message_id=uuid.uuid4(),
                visibility=visibility,  # type: ignore[arg-type]
                author_id=f"{role}-1",
                author_role=role,  # type: ignore[arg-type]
                body="Thanks" if visibility == "public" else None,
            ),
            at,
        )

    async def moved(self, to: str, at: datetime | None = None) -> None:
        previous, self.status = self.status, to
        await self._emit(
            lambda: TicketStatusChanged(ticket=self.snapshot(), from_status=previous, to_status=to),  # type: ignore[arg-type]
            at,
        )

    async def updated(self, at: datetime | None = None, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(self, name, value)
        await self._emit(lambda: TicketUpdated(ticket=self.snapshot(), changed=list(changes)), at)

    async def escalated(self, level: int, reason: str = "manual", at: datetime | None = None) -> None:
        previous, self.escalation_level = self.escalation_level, level
        await self._emit(
            lambda: TicketEscalated(ticket=self.snapshot(), from_level=previous, level=level, reason=reason),  # type: ignore[arg-type]
            at,
        )

    async def _emit(self, build_payload: Callable[[], Payload], at: datetime | None) -> None:
        self.version += 1
        payload = build_payload()
        envelope = make_envelope(payload, merchant_id=self.merchant, producer="tickets")
        if at is not None:
            envelope.occurred_at = at
        self.sent.append((envelope, payload))
        if self.harness is not None:
            await self.harness.publisher.publish_envelope(envelope.model_dump(mode="json"))


async def applied(sessions: Any, ticket: TicketStream, timeout: float = 15.0) -> None:
    """Wait until every event published for `ticket` is recorded as processed by the SLA consumers."""
    ids = [envelope.event_id for envelope, _ in ticket.sent]

    async def done() -> bool:
        async with sessions() as session:
            found = await session.execute(
                text("SELECT count(DISTINCT event_id) FROM processed_events WHERE event_id = ANY(:ids)"), {"ids": ids}
            )
            return found.scalar_one() == len(ids)

    await eventually(done, timeout)


async def apply_directly(sessions: Any, envelope: Envelope, payload: Payload) -> bool:
    """Run the consumer's handler in its inbox-guarded transaction without the broker."""
    return await consumers.apply(sessions, envelope, payload)


def seconds_between(later: str, earlier: str | datetime) -> float:
    start = earlier if isinstance(earlier, datetime) else datetime.fromisoformat(earlier)
    return (datetime.fromisoformat(later) - start) / timedelta(seconds=1)
