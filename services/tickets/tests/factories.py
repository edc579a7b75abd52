"""Small builders for test data and principals."""

from __future__ import annotations

from typing import Any

from helpdesk_servicekit.testing.plugin import bearer


def customer(sub: str = "cust-1", merchant: str = "m1") -> dict[str, str]:
    return bearer(sub, merchant, "customer")


def agent(sub: str = "agent-1", merchant: str = "m1") -> dict[str, str]:
    return bearer(sub, merchant, "agent")


def manager(sub: str = "mgr-1", merchant: str = "m1") -> dict[str, str]:
    return bearer(sub, merchant, "manager")


def a_ticket(**overrides: Any) -> dict[str, Any]:
    return {
        "subject": "My order arrived broken",
        "description": "The vase is in pieces.",
        "priority": "normal",
    } | overrides


async def open_ticket(client: Any, who: dict[str, str] | None = None, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/tickets", json=a_ticket(**overrides), headers=who or customer())
    assert response.status_code == 201, response.text
    return response.json()
