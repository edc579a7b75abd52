"""The create path builds `ticket.created`'s payload as a dict (the models cost too much there): it must equal
what the contract model dumps, field for field, in every shape a new ticket can take."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, cast

import pytest

from helpdesk_contracts import Role, TicketCreated
from helpdesk_tickets.models import Ticket
from helpdesk_tickets.shared import Actor, actor_fields, snapshot
from helpdesk_tickets.tickets.service import NEW_TICKET_DEFAULTS, created_payload


def a_ticket(**overrides: Any) -> Ticket:
    fields = {
        **NEW_TICKET_DEFAULTS,
        "merchant_id": "m1",
        "id": uuid.uuid4(),
        "number": 1042,
        "customer_id": "c1",
        "customer_email": None,
        "customer_name": None,
        "locale": None,
        "subject": "The parcel never arrived",
        "description": "",
        "status": "new",
        "priority": "normal",
        "category_id": None,
        "tags": [],
        "order_id": None,
        "product_id": None,
        "created_at": datetime(2026, 12, 1, 8, 11, 38, 123456, tzinfo=UTC),
        "updated_at": datetime(2026, 12, 1, 8, 11, 38, 123456, tzinfo=UTC),
        "version": 1,
    }
    return cast(Ticket, SimpleNamespace(**(fields | overrides)))


SHAPES = {
    "bare": {},
    "everything": {
        "customer_email": "ana@example.com",
        "customer_name": "Ana Straße",
        "locale": "de-DE",
        "description": "Order 1234 — shipped a week ago.",
        "priority": "urgent",
        "category_id": uuid.uuid4(),
        "tags": ["billing", "strasse"],
        "order_id": "o-1",
        "product_id": "p-1",
        "sla_due_at": datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    },
    "created at a whole second, in another zone": {
        "created_at": datetime(2026, 12, 1, 10, 0, 0, tzinfo=timezone(timedelta(hours=2))),
    },
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("actor", [Actor("c1", Role.CUSTOMER), Actor("a1", Role.AGENT), Actor.system("import")])
def test_the_hot_path_payload_is_what_the_contract_model_dumps(shape: str, actor: Actor) -> None:
    ticket = a_ticket(**SHAPES[shape])
    expected = TicketCreated(ticket=snapshot(ticket), **actor_fields(actor)).model_dump(mode="json")
    assert created_payload(ticket, actor) == expected
