from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class Suggested(BaseModel):
    article_id: uuid.UUID
    title: str
    slug: str
    score: float


class Suggestion(BaseModel):
    suggestion_id: uuid.UUID | None = Field(
        description="report an opened article with it; null for staff (their lookups are not in the funnel)"
    )
    articles: list[Suggested]


class Opened(BaseModel):
    article_id: uuid.UUID


class FormFunnel(BaseModel):
    requests: int = Field(description="suggestion requests from the ticket form")
    suggested: int = Field(description="requests that suggested at least one article")
    opened: int = Field(description="suggestions of which the customer opened an article")
    opened_then_ticket: int = Field(description="opened, and the customer still created a ticket within the window")
    deflected: int = Field(description="opened, and no ticket within the window")
    pending: int = Field(description="opened, the window not over yet")
    not_opened_then_ticket: int
    deflection_rate: float | None = Field(description="deflected / (deflected + opened_then_ticket)")


class TicketFunnel(BaseModel):
    tickets: int = Field(description="new tickets the service suggested for")
    suggested: int = Field(description="tickets with at least one suggested article")
    opened: int = Field(description="tickets whose customer opened a suggested article")


class DeflectionReport(BaseModel):
    from_: datetime = Field(alias="from")
    to: datetime
    window_seconds: int
    form: FormFunnel
    new_tickets: TicketFunnel

    model_config = {"populate_by_name": True}


class TicketArticle(BaseModel):
    article_id: uuid.UUID
    title: str
    slug: str
    opened: bool


class TicketSuggestion(BaseModel):
    """The articles suggested when a ticket was created (still-published ones, best first)."""

    suggestion_id: uuid.UUID
    ticket_id: uuid.UUID
    created_at: datetime
    articles: list[TicketArticle]
