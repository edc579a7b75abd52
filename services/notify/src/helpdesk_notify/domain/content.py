"""What a notification says, in two types that never mix: what a customer may read, and what staff may read.

A customer-facing channel (inbox row, WebSocket frame, email) is only ever built from `CustomerContent`, whose
free text can only be a `PublicText`; and a `PublicText` can only be made from a field its producer marks as
meant for the customer (a public message's body, a compensation's `customer_note`). An internal note has no
way in: `PublicText.of_message` refuses it, and staff content cannot be addressed to a customer (`Notice`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from helpdesk_contracts import TicketCompensationIssued, TicketMessageAdded, Visibility

Audience = Literal["customer", "staff"]
_PUBLIC = object()


class InternalContent(ValueError):
    """Something staff-only was offered as customer-facing content."""


class PublicText:
    """Free text a customer may read; only the named constructors below make one."""

    __slots__ = ("value",)

    def __init__(self, value: str, *, _origin: object = None) -> None:
        if _origin is not _PUBLIC:
            raise TypeError("PublicText is made by its named constructors only")
        self.value = value

    def __repr__(self) -> str:
        return f"PublicText({self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicText) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    @classmethod
    def of_message(cls, message: TicketMessageAdded) -> PublicText:
        """The body of a public message; an internal note raises InternalContent."""
        if message.visibility is not Visibility.PUBLIC:
            raise InternalContent("an internal note is never customer-facing")
        return cls(message.body or "", _origin=_PUBLIC)

    @classmethod
    def of_compensation(cls, compensation: TicketCompensationIssued) -> PublicText | None:
        """The compensation's customer-facing note (never its internal `reason`)."""
        return cls(compensation.customer_note, _origin=_PUBLIC) if compensation.customer_note else None

    @classmethod
    def of_product(cls, text: str) -> PublicText:
        """Text the helpdesk itself writes for customers (fixed wording, survey questions, feature titles)."""
        return cls(text, _origin=_PUBLIC)


@dataclass(frozen=True)
class TicketRef:
    """The ticket a notification is about, as customers and staff both see it."""

    ticket_id: uuid.UUID
    number: int | None
    subject: str | None


@dataclass(frozen=True)
class CustomerContent:
    """A notification a customer may see; its free text is PublicText only."""

    kind: str
    title: str
    body: PublicText | None = None
    ticket: TicketRef | None = None
    link: str | None = None
    facts: tuple[tuple[str, str], ...] = ()

    audience: Audience = field(default="customer", init=False)

    @property
    def body_text(self) -> str | None:
        return self.body.value if self.body is not None else None


@dataclass(frozen=True)
class StaffContent:
    """A notification for agents and managers of the merchant; may carry internal facts."""

    kind: str
    title: str
    body: str | None = None
    ticket: TicketRef | None = None
    link: str | None = None
    facts: tuple[tuple[str, str], ...] = ()

    audience: Audience = field(default="staff", init=False)

    @property
    def body_text(self) -> str | None:
        return self.body


Content = CustomerContent | StaffContent


@dataclass(frozen=True)
class Notice:
    """One recipient of one event: who, in which audience, with what content."""

    recipient_id: str
    content: Content

    def __post_init__(self) -> None:
        if not isinstance(self.content, CustomerContent | StaffContent):
            raise TypeError(f"unknown content {type(self.content).__name__}")

    @property
    def audience(self) -> Audience:
        return self.content.audience

    @property
    def kind(self) -> str:
        return self.content.kind
