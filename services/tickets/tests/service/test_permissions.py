"""The permission table of docs/architecture.md §6, endpoint by endpoint, role by role.

Actors: the ticket's own customer, another customer, an agent, a manager (all of merchant m1), and a
customer and a manager of another merchant. Another merchant's object is always a 404; a role that may
never use an endpoint gets 403 before any object is looked up (so it confirms nothing either).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ..factories import PNG, agent, customer, manager, open_ticket, resolved_ticket, upload

OWN, OTHER, AGENT, MANAGER, FOREIGN_CUSTOMER, FOREIGN_MANAGER = (
    "own_customer",
    "other_customer",
    "agent",
    "manager",
    "foreign_customer",
    "foreign_manager",
)
HEADERS = {
    OWN: customer("c-own"),
    OTHER: customer("c-other"),
    AGENT: agent("agent-1"),
    MANAGER: manager("mgr-1"),
    FOREIGN_CUSTOMER: customer("c-own", merchant="m2"),
    FOREIGN_MANAGER: manager("mgr-1", merchant="m2"),
}

Setup = Callable[[Any], Awaitable[dict[str, str]]]


async def a_ticket(client: Any) -> dict[str, str]:
    return {"ticket": (await open_ticket(client, customer("c-own")))["id"]}


async def a_resolved_ticket(client: Any) -> dict[str, str]:
    return {"ticket": (await resolved_ticket(client, customer("c-own")))["id"]}


async def a_tagged_ticket(client: Any) -> dict[str, str]:
    return {"ticket": (await open_ticket(client, customer("c-own"), tags=["vip"]))["id"]}


async def an_assigned_ticket(client: Any) -> dict[str, str]:
    ids = await a_ticket(client)
    response = await client.post(
        f"/v1/tickets/{ids['ticket']}/assignment", json={"agent_id": "agent-1"}, headers=manager()
    )
    assert response.status_code == 200
    return ids


async def a_public_attachment(client: Any) -> dict[str, str]:
    ids = await a_ticket(client)
    uploaded = await upload(client, ids["ticket"], customer("c-own"), PNG)
    assert uploaded.status_code == 201, uploaded.text
    sent = await client.post(
        f"/v1/tickets/{ids['ticket']}/messages",
        json={"body": "photo attached", "attachment_ids": [uploaded.json()["id"]]},
        headers=customer("c-own"),
    )
    assert sent.status_code == 201, sent.text
    return ids | {"attachment": uploaded.json()["id"]}


async def a_pending_compensation(client: Any) -> dict[str, str]:
    ids = await a_ticket(client)
    response = await client.post(
        f"/v1/tickets/{ids['ticket']}/compensations",
        json={"type": "refund", "amount": "500.00", "currency": "EUR", "reason": "broken vase"},
        headers=agent(),
    )
    assert response.status_code == 201 and response.json()["status"] == "pending_approval", response.text
    return ids | {"compensation": response.json()["id"]}


async def a_category(client: Any) -> dict[str, str]:
    import uuid

    response = await client.post("/v1/categories", json={"name": f"Shipping {uuid.uuid4().hex[:6]}"}, headers=manager())
    assert response.status_code == 201
    return {"category": response.json()["id"]}


async def nothing(client: Any) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    setup: Setup
    body: Any
    expected: dict[str, int]

    def status_for(self, actor: str) -> int:
        return self.expected[actor]


def staff_only(ok: int) -> dict[str, int]:
    """An agent-and-manager endpoint on a ticket."""
    return {OWN: 403, OTHER: 403, AGENT: ok, MANAGER: ok, FOREIGN_CUSTOMER: 403, FOREIGN_MANAGER: 404}


def manager_only(ok: int) -> dict[str, int]:
    return {OWN: 403, OTHER: 403, AGENT: 403, MANAGER: ok, FOREIGN_CUSTOMER: 403, FOREIGN_MANAGER: 404}


def participants(ok: int) -> dict[str, int]:
    """The ticket's own customer and staff; anyone else cannot see the ticket exists."""
    return {OWN: ok, OTHER: 404, AGENT: ok, MANAGER: ok, FOREIGN_CUSTOMER: 404, FOREIGN_MANAGER: 404}


T = "/v1/tickets/{ticket}"
CASES = [
    Case("read ticket", "GET", T, a_ticket, None, participants(200)),
    Case("edit ticket", "PATCH", T, a_ticket, {"priority": "high"}, staff_only(200)),
    Case("change status", "POST", T + "/status", a_ticket, {"status": "in_progress"}, staff_only(200)),
    Case("add tags", "POST", T + "/tags", a_ticket, {"tags": ["VIP"]}, staff_only(200)),
    Case("remove tag", "DELETE", T + "/tags/vip", a_tagged_ticket, None, staff_only(200)),
    Case("reply", "POST", T + "/messages", a_ticket, {"body": "hello"}, participants(201)),
    Case(
        "internal note",
        "POST",
        T + "/messages",
        a_ticket,
        {"body": "psst", "visibility": "internal"},
        {OWN: 403, OTHER: 403, AGENT: 201, MANAGER: 201, FOREIGN_CUSTOMER: 403, FOREIGN_MANAGER: 404},
    ),
    Case("read conversation", "GET", T + "/messages", a_ticket, None, participants(200)),
    Case("assign self", "POST", T + "/assignment", a_ticket, {"agent_id": "agent-1"}, staff_only(200)),
    Case("unassign", "DELETE", T + "/assignment", an_assigned_ticket, None, staff_only(200)),
    Case("escalate", "POST", T + "/escalations", a_ticket, {"level": 2}, manager_only(201)),
    Case(
        "confirm resolution",
        "POST",
        T + "/resolution",
        a_resolved_ticket,
        {"accepted": True},
        {OWN: 200, OTHER: 404, AGENT: 403, MANAGER: 403, FOREIGN_CUSTOMER: 404, FOREIGN_MANAGER: 403},
    ),
    Case(
        "issue compensation",
        "POST",
        T + "/compensations",
        a_ticket,
        {"type": "voucher", "amount": "5.00", "currency": "EUR", "reason": "sorry"},
        staff_only(201),
    ),
    Case("list compensations", "GET", T + "/compensations", a_ticket, None, staff_only(200)),
    Case(
        "decide compensation",
        "POST",
        T + "/compensations/{compensation}/decision",
        a_pending_compensation,
        {"approved": True},
        manager_only(200),
    ),
    Case("read history", "GET", T + "/history", a_ticket, None, staff_only(200)),
    Case("list attachments", "GET", T + "/attachments", a_ticket, None, participants(200)),
    Case("download attachment", "GET", "/v1/attachments/{attachment}", a_public_attachment, None, participants(200)),
    Case(
        "list tickets",
        "GET",
        "/v1/tickets",
        nothing,
        None,
        {OWN: 200, OTHER: 200, AGENT: 200, MANAGER: 200, FOREIGN_CUSTOMER: 200, FOREIGN_MANAGER: 200},
    ),
    Case(
        "create category",
        "POST",
        "/v1/categories",
        nothing,
        {"name": "Returns"},
        {OWN: 403, OTHER: 403, AGENT: 403, MANAGER: 201, FOREIGN_CUSTOMER: 403, FOREIGN_MANAGER: 201},
    ),
    Case(
        "list categories",
        "GET",
        "/v1/categories",
        nothing,
        None,
        {OWN: 200, OTHER: 200, AGENT: 200, MANAGER: 200, FOREIGN_CUSTOMER: 200, FOREIGN_MANAGER: 200},
    ),
    Case("edit category", "PATCH", "/v1/categories/{category}", a_category, {"name": "Renamed"}, manager_only(200)),
    Case("archive category", "DELETE", "/v1/categories/{category}", a_category, None, manager_only(204)),
    Case(
        "read settings",
        "GET",
        "/v1/tickets/settings",
        nothing,
        None,
        {OWN: 403, OTHER: 403, AGENT: 200, MANAGER: 200, FOREIGN_CUSTOMER: 403, FOREIGN_MANAGER: 200},
    ),
    Case(
        "change settings",
        "PUT",
        "/v1/tickets/settings",
        nothing,
        {"auto_close_seconds": 3600},
        {OWN: 403, OTHER: 403, AGENT: 403, MANAGER: 200, FOREIGN_CUSTOMER: 403, FOREIGN_MANAGER: 200},
    ),
]


@pytest.mark.parametrize("actor", [OWN, OTHER, AGENT, MANAGER, FOREIGN_CUSTOMER, FOREIGN_MANAGER])
async def test_every_endpoint_answers_each_role_as_the_permission_table_says(client, actor):
    outcomes = {}
    for case in CASES:
        ids = await case.setup(client)
        path = case.path.format(**ids)
        kwargs: dict[str, Any] = {"headers": HEADERS[actor]}
        if case.body is not None:
            kwargs["json"] = case.body
        if case.path.endswith("/attachments") and case.method == "POST":
            kwargs["files"] = {"file": ("a.png", PNG, "image/png")}
        response = await client.request(case.method, path, **kwargs)
        outcomes[case.name] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), case.name
    expected = {case.name: case.status_for(actor) for case in CASES}
    assert outcomes == expected


async def test_uploading_follows_the_table_too(client):
    ticket = (await open_ticket(client, customer("c-own")))["id"]
    outcomes = {actor: (await upload(client, ticket, HEADERS[actor], PNG)).status_code for actor in HEADERS}
    assert outcomes == participants(201)


async def test_an_agent_cannot_assign_a_ticket_to_someone_else_but_a_manager_can(client):
    ticket = await open_ticket(client, customer("c-own"))
    url = f"/v1/tickets/{ticket['id']}/assignment"
    assert (await client.post(url, json={"agent_id": "agent-2"}, headers=agent("agent-1"))).status_code == 403
    assert (await client.post(url, json={"agent_id": "agent-2"}, headers=manager())).status_code == 200
    assert (await client.delete(url, headers=agent("agent-1"))).status_code == 403
    assert (await client.delete(url, headers=agent("agent-2"))).status_code == 200
