"""A running knowledge service under test, the principals that call it, and small factories."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from helpdesk_contracts import TicketCreated, TicketSnapshot, make_envelope
from helpdesk_servicekit.broker import AmqpPublisher
from helpdesk_servicekit.testing.helpers import (  # shared by every service's tests, re-exported here
    a_merchant as a_merchant,
    agent as agent,
    customer as customer,
    eventually as eventually,
    manager as manager,
)
from helpdesk_servicekit.testing.tap import EventTap


def an_article(**fields: Any) -> dict[str, Any]:
    return {"title": "How to return an item", "body": "Pack the item and print the label.", "locale": "en"} | fields


@dataclass
class Harness:
    http: Any  # the httpx client of the running service; `.app` is the FastAPI app
    publisher: AmqpPublisher
    tap: EventTap

    @property
    def sessions(self) -> Any:
        return self.http.app.state.sessions

    async def article(self, merchant: str, publish: bool = False, **fields: Any) -> dict[str, Any]:
        response = await self.http.post("/v1/articles", json=an_article(**fields), headers=agent(merchant))
        assert response.status_code == 201, response.text
        article = response.json()
        if publish:
            article = await self.publish(merchant, article["id"])
        return article

    async def publish(self, merchant: str, article_id: str) -> dict[str, Any]:
        response = await self.http.post(f"/v1/articles/{article_id}/publish", headers=agent(merchant))
        assert response.status_code == 200, response.text
        return response.json()

    async def search(self, merchant: str, q: str, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
        """Titles found, best first."""
        response = await self.http.get(
            "/v1/articles/search", params={"q": q} | params, headers=headers or customer(merchant)
        )
        assert response.status_code == 200, response.text
        return [hit["title"] for hit in response.json()["items"]]

    def events(self, event_type: str, **payload: Any) -> list[dict[str, Any]]:
        return [
            body
            for body in self.tap.bodies(event_type)
            if all(str(body["payload"].get(k)) == str(v) for k, v in payload.items())
        ]

    async def ticket_created(
        self, merchant: str, subject: str, description: str | None = None, *, customer_id: str = "cust-1",
        locale: str | None = "en", created_at: datetime | None = None, ticket_id: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, dict[str, Any]]:  # fmt: skip
        """Publish a ticket.created as the tickets service would; returns the ticket id and the envelope."""
        ticket_id = ticket_id or uuid.uuid4()
        snapshot = TicketSnapshot(
            ticket_id=ticket_id,
            number=1,
            customer_id=customer_id,
            subject=subject,
            description=description,
            locale=locale,
            status="new",  # type: ignore[arg-type]
            priority="normal",  # type: ignore[arg-type]
            created_at=created_at or datetime.now(UTC),
            ticket_version=1,
        )
        envelope = make_envelope(TicketCreated(ticket=snapshot), merchant_id=merchant, producer="tickets")
        body = envelope.model_dump(mode="json")
        await self.publisher.publish_envelope(body)
        return ticket_id, body
