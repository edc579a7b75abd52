"""Merchant A's objects in all six services, one of each kind a route can name, and the principals that probe them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from helpdesk_servicekit.testing.helpers import eventually
from helpdesk_servicekit.testing.plugin import bearer

A, B = "m-sec-a", "m-sec-b"
MARK = "wombatsec"  # every name and text of merchant A carries it
AGENT_ID = "agent-sec-a"

MANAGER = bearer("mgr-sec-a", A, "manager")
AGENT = bearer(AGENT_ID, A, "agent")
CUSTOMER = bearer("cust-sec-a", A, "customer", email="cust-sec-a@example.com", name="Ann", locale="en")
OTHER_CUSTOMER = bearer("cust-sec-a2", A, "customer", email="cust-sec-a2@example.com", name="Cy", locale="en")
OTHER_MERCHANT = bearer("mgr-sec-b", B, "manager")

# The six principals of the matrix, in the order they probe each route: the refused ones first, while A's objects
# are still as seeded.
PRINCIPALS: dict[str, dict[str, str]] = {
    "no token": {},
    "other merchant": OTHER_MERCHANT,
    "customer other": OTHER_CUSTOMER,
    "customer own": CUSTOMER,
    "agent": AGENT,
    "manager": MANAGER,
}


@dataclass
class World:
    system: Any
    ids: dict[str, str] = field(default_factory=dict)  # A's object ids by kind


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.method, str(response.request.url), response.text)
    return response.json() if response.content else {}


async def seed(system: Any) -> World:
    """A group, agent and rule; ticket and KB categories; an SLA calendar and policy; a published article; a
    feature request; a customer's ticket routed to the agent, with a tag, a reply, an attachment and a compensation;
    the customer's notification and the ticket's KB suggestion."""
    world = World(system)
    s, a = system, world.ids
    group = await ok(await s.routing.post("/v1/groups", json={"name": f"{MARK} L1", "is_default": True},
                                          headers=MANAGER), 201)  # fmt: skip
    a["group"] = group["id"]
    await ok(await s.routing.post(
        "/v1/agents",
        json={"user_id": AGENT_ID, "name": f"{MARK} Agent", "email": "agent-sec-a@example.com",
              "group_ids": [group["id"]], "status": "online"},
        headers=MANAGER,
    ), 201)  # fmt: skip
    a["agent"] = AGENT_ID
    rule = await ok(await s.routing.post(
        "/v1/routing/rules",
        json={"name": f"{MARK} urgent", "conditions": {"priorities": ["urgent"]}, "group_id": group["id"],
              "strategy": "round_robin"},
        headers=MANAGER,
    ), 201)  # fmt: skip
    a["rule"] = rule["id"]
    category = await ok(await s.tickets.post("/v1/categories", json={"name": f"{MARK} returns"}, headers=MANAGER), 201)
    a["category"] = category["id"]
    calendar = await ok(await s.sla.post(
        "/v1/sla/calendars", json={"name": f"{MARK} hours", "time_zone": "UTC", "always_open": True}, headers=MANAGER
    ), 201)  # fmt: skip
    a["calendar"] = calendar["id"]
    policy = await ok(await s.sla.post(
        "/v1/sla/policies",
        json={"name": f"{MARK} normal", "priority": "normal", "first_response_seconds": 3600,
              "resolution_seconds": 86400},
        headers=MANAGER,
    ), 201)  # fmt: skip
    a["policy"] = policy["id"]
    kb_category = await ok(await s.knowledge.post("/v1/kb/categories", json={"name": f"{MARK} shipping"},
                                                  headers=MANAGER), 201)  # fmt: skip
    a["kb_category"] = kb_category["id"]
    article = await ok(await s.knowledge.post(
        "/v1/articles",
        json={"title": f"{MARK} parcel tracking", "body": f"How to track a {MARK} parcel that never arrived.",
              "category_id": kb_category["id"], "locale": "en"},
        headers=AGENT,
    ), 201)  # fmt: skip
    a["article"] = article["id"]
    await ok(await s.knowledge.post(f"/v1/articles/{article['id']}/publish", headers=MANAGER))
    request = await ok(await s.feedback.post(
        "/v1/feature-requests", json={"title": f"{MARK} dark mode", "description": f"{MARK} please"}, headers=CUSTOMER
    ), 201)  # fmt: skip
    a["feature_request"] = request["id"]
    duplicate = await ok(await s.feedback.post(
        "/v1/feature-requests", json={"title": f"{MARK} night theme", "description": f"{MARK} too"}, headers=CUSTOMER
    ), 201)  # fmt: skip
    a["duplicate_request"] = duplicate["id"]
    ticket = await ok(await s.tickets.post(
        "/v1/tickets",
        json={"subject": f"{MARK} parcel never arrived", "description": f"{MARK} tracking says delivered",
              "category_id": category["id"]},
        headers=CUSTOMER,
    ), 201)  # fmt: skip
    a["ticket"] = ticket["id"]

    async def assigned() -> bool:
        read = await ok(await s.tickets.get(f"/v1/tickets/{ticket['id']}", headers=MANAGER))
        return bool(read["assignee_id"] == AGENT_ID)

    await eventually(assigned, timeout=20)
    await ok(await s.tickets.post(f"/v1/tickets/{ticket['id']}/tags", json={"tags": ["vip"]}, headers=AGENT))
    a["tag"] = "vip"
    upload = await ok(await s.tickets.post(
        f"/v1/tickets/{ticket['id']}/attachments",
        files={"file": (f"{MARK}.txt", f"{MARK} receipt".encode(), "text/plain")}, headers=CUSTOMER,
    ), 201)  # fmt: skip
    a["attachment"] = upload["id"]
    await ok(await s.tickets.post(f"/v1/tickets/{ticket['id']}/messages", json={"body": f"{MARK}: on it"},
                                  headers=AGENT), 201)  # fmt: skip
    compensation = await ok(await s.tickets.post(
        f"/v1/tickets/{ticket['id']}/compensations",
        json={"type": "voucher", "amount": "5", "currency": "EUR", "reason": f"{MARK} late"}, headers=AGENT,
    ), 201)  # fmt: skip
    a["compensation"] = compensation["id"]

    async def notified() -> list[dict[str, Any]]:  # the customer's, for the agent's public reply
        listed = await ok(await s.notify.get("/v1/notifications", headers=CUSTOMER))
        return [n for n in listed["items"] if n.get("ticket_id") == ticket["id"] and n["kind"] == "agent_reply"]

    a["notification"] = (await eventually(notified, timeout=20))[0]["id"]

    async def suggested() -> list[dict[str, Any]]:
        return [b for b in s.tap.bodies("knowledge.articles_suggested") if b["payload"]["ticket_id"] == ticket["id"]]

    a["suggestion"] = (await eventually(suggested, timeout=20))[0]["payload"]["suggestion_id"]

    async def clocked() -> bool:
        return bool((await s.sla.get(f"/v1/sla/tickets/{ticket['id']}", headers=MANAGER)).status_code == 200)

    await eventually(clocked, timeout=20)
    return world
