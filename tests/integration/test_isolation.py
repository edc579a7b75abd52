"""Tenancy and roles end to end, all six services on real PostgreSQL and RabbitMQ.

Merchant A gets data in every service (a ticket assigned by routing, a ticket category, an SLA calendar and policy,
an agent, a group and a routing rule, a KB category and a published article, survey settings and a feature request,
and the assignee's notification and delivery log row). Merchant B's manager, agent and customer — and B users that
share A's user ids — then probe every endpoint:
- by id: 404 wherever the role may use the endpoint at all, and exactly what a made-up id gets where the role may
  not (a role's 403 says nothing about A's object); never a body that shows A's data;
- lists and searches: none of A's ids, names or merchant id.
Then docs/architecture.md §6's permission table for the configuring writes: customers and agents 403, managers 2xx.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from helpdesk_servicekit.testing.helpers import eventually
from helpdesk_servicekit.testing.plugin import bearer

from .conftest import SERVICES, Platform, platform_of

pytestmark = pytest.mark.timeout(180)

A, B, P = "m-iso-a", "m-iso-b", "m-iso-perm"
MARK = "quokkaiso"  # every name and text of merchant A carries it

A_MANAGER = bearer("mgr-a", A, "manager")
A_AGENT_ID = "agent-a"
A_AGENT = bearer(A_AGENT_ID, A, "agent")
A_CUSTOMER = bearer("cust-a", A, "customer", email="cust-a@example.com", name="Ann", locale="en")

B_USERS = {
    "manager": bearer("mgr-b", B, "manager"),
    "agent": bearer("agent-b", B, "agent"),
    "customer": bearer("cust-b", B, "customer", email="cust-b@example.com", name="Bob", locale="en"),
    # B's users whose ids are also A's: an id scoped by user alone would show them A's rows
    "manager (A's manager id)": bearer("mgr-a", B, "manager"),
    "agent (A's agent id)": bearer(A_AGENT_ID, B, "agent"),
    "customer (A's customer id)": bearer("cust-a", B, "customer", email="twin@example.com", name="Twin", locale="en"),
}
ROLES = {"manager", "agent", "customer"}
STAFF = {"manager", "agent"}
MANAGER = {"manager"}


def role_of(user: str) -> str:
    return user.split(" ")[0]


@dataclass
class World:
    system: Platform
    a: dict[str, str] = field(default_factory=dict)  # A's object ids by name


@pytest.fixture(scope="module")
async def world(database_factory, amqp_url, amqp_run_namespace) -> AsyncIterator[World]:
    """All six services once for the module (starting them is most of the time), seeded with merchant A's data."""
    async with platform_of(SERVICES, database_factory, amqp_url, f"{amqp_run_namespace}iso.") as system:
        world = World(system)
        await seed_merchant_a(world)
        yield world


async def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.request.method, str(response.request.url), response.text)
    return response.json() if response.content else {}


async def seed_merchant_a(world: World) -> None:
    s, a = world.system, world.a
    group = await ok(await s.routing.post("/v1/groups", json={"name": f"{MARK} L1", "is_default": True},
                                          headers=A_MANAGER), 201)
    a["group"] = group["id"]
    await ok(await s.routing.post(
        "/v1/agents",
        json={"user_id": A_AGENT_ID, "name": f"{MARK} Agent", "email": "agent-a@example.com",
              "group_ids": [group["id"]], "status": "online"},
        headers=A_MANAGER,
    ), 201)
    rule = await ok(await s.routing.post(
        "/v1/routing/rules",
        json={"name": f"{MARK} urgent", "conditions": {"priorities": ["urgent"]}, "group_id": group["id"],
              "strategy": "round_robin"},
        headers=A_MANAGER,
    ), 201)
    a["rule"] = rule["id"]
    category = await ok(await s.tickets.post("/v1/categories", json={"name": f"{MARK} returns"}, headers=A_MANAGER),
                        201)
    a["category"] = category["id"]
    calendar = await ok(await s.sla.post(
        "/v1/sla/calendars", json={"name": f"{MARK} hours", "time_zone": "UTC", "always_open": True},
        headers=A_MANAGER,
    ), 201)
    a["calendar"] = calendar["id"]
    policy = await ok(await s.sla.post(
        "/v1/sla/policies",
        json={"name": f"{MARK} normal", "priority": "normal", "first_response_seconds": 3600,
              "resolution_seconds": 86400},
        headers=A_MANAGER,
    ), 201)
    a["policy"] = policy["id"]
    kb_category = await ok(await s.knowledge.post("/v1/kb/categories", json={"name": f"{MARK} shipping"},
                                                  headers=A_MANAGER), 201)
    a["kb_category"] = kb_category["id"]
    article = await ok(await s.knowledge.post(
        "/v1/articles",
        json={"title": f"{MARK} parcel tracking", "body": f"How to track a {MARK} parcel that never arrived.",
              "category_id": kb_category["id"], "locale": "en"},
        headers=A_AGENT,
    ), 201)
    a["article"] = article["id"]
    await ok(await s.knowledge.post(f"/v1/articles/{article['id']}/publish", headers=A_MANAGER))
    await ok(await s.feedback.patch(
        "/v1/surveys/settings", json={"csat": {"question": f"{MARK}: how did we do?", "delay_seconds": 7}},
        headers=A_MANAGER,
    ))
    request = await ok(await s.feedback.post(
        "/v1/feature-requests", json={"title": f"{MARK} dark mode", "description": f"{MARK} please"},
        headers=A_CUSTOMER,
    ), 201)
    a["feature_request"] = request["id"]
    ticket = await ok(await s.tickets.post(
        "/v1/tickets",
        json={"subject": f"{MARK} parcel never arrived", "description": f"{MARK} tracking says delivered",
              "category_id": category["id"]},
        headers=A_CUSTOMER,
    ), 201)
    a["ticket"] = ticket["id"]

    async def assigned() -> bool:
        read = await ok(await s.tickets.get(f"/v1/tickets/{ticket['id']}", headers=A_MANAGER))
        return read["assignee_id"] == A_AGENT_ID

    await eventually(assigned, timeout=20)
    await ok(await s.tickets.post(f"/v1/tickets/{ticket['id']}/messages", json={"body": f"{MARK}: on it"},
                                  headers=A_AGENT), 201)

    async def notified() -> list[dict[str, Any]]:  # the customer's, for the agent's public reply
        listed = await ok(await s.notify.get("/v1/notifications", headers=A_CUSTOMER))
        return [n for n in listed["items"] if n.get("ticket_id") == ticket["id"] and n["kind"] == "agent_reply"]

    a["notification"] = (await eventually(notified, timeout=20))[0]["id"]

    async def suggested() -> list[dict[str, Any]]:
        assert s.tap is not None
        return [b for b in s.tap.bodies("knowledge.articles_suggested") if b["payload"]["ticket_id"] == ticket["id"]]

    a["suggestion"] = (await eventually(suggested, timeout=20))[0]["payload"]["suggestion_id"]

    async def delivery_logged() -> list[dict[str, Any]]:
        return (await ok(await s.notify.get("/v1/notifications/deliveries", headers=A_MANAGER)))["items"]

    await eventually(delivery_logged, timeout=20)
    # A's own users see all of it: the probes below are not vacuous.
    assert (await ok(await s.sla.get(f"/v1/sla/tickets/{ticket['id']}", headers=A_MANAGER)))
    assert (await ok(await s.knowledge.get(f"/v1/articles/{article['id']}", headers=A_CUSTOMER)))


# (service, method, path template, json body, roles that may use the endpoint at all, their answer for an id their
# merchant does not have)
BY_ID: list[tuple[str, str, str, dict[str, Any] | None, set[str]] | tuple[str, str, str, None, set[str], int]] = [
    ("tickets", "GET", "/v1/tickets/{ticket}", None, ROLES),
    ("tickets", "GET", "/v1/tickets/{ticket}/messages", None, ROLES),
    ("tickets", "POST", "/v1/tickets/{ticket}/messages", {"body": "hello?"}, ROLES),
    ("tickets", "GET", "/v1/tickets/{ticket}/history", None, STAFF),
    ("tickets", "PATCH", "/v1/tickets/{ticket}", {"priority": "high"}, STAFF),
    ("tickets", "POST", "/v1/tickets/{ticket}/status", {"status": "in_progress"}, STAFF),
    ("tickets", "POST", "/v1/tickets/{ticket}/tags", {"tags": ["vip"]}, STAFF),
    ("tickets", "POST", "/v1/tickets/{ticket}/assignment", {"agent_id": "agent-b"}, STAFF),
    ("tickets", "DELETE", "/v1/tickets/{ticket}/assignment", None, STAFF),
    ("tickets", "POST", "/v1/tickets/{ticket}/escalations", {"level": 2}, MANAGER),
    ("tickets", "GET", "/v1/tickets/{ticket}/compensations", None, STAFF),
    ("tickets", "GET", "/v1/categories/{category}", None, ROLES),
    ("tickets", "PATCH", "/v1/categories/{category}", {"name": "renamed"}, MANAGER),
    ("sla", "GET", "/v1/sla/tickets/{ticket}", None, STAFF),
    ("sla", "GET", "/v1/sla/policies/{policy}", None, STAFF),
    ("sla", "GET", "/v1/sla/policies/{policy}/versions", None, STAFF),
    ("sla", "PUT", "/v1/sla/policies/{policy}", {"name": "taken", "priority": "low"}, MANAGER),
    ("sla", "GET", "/v1/sla/calendars/{calendar}", None, STAFF),
    ("sla", "PUT", "/v1/sla/calendars/{calendar}", {"name": "taken", "time_zone": "UTC", "always_open": True}, MANAGER),
    ("routing", "GET", "/v1/agents/{agent}", None, STAFF),
    ("routing", "GET", "/v1/agents/{agent}/metrics", None, MANAGER),  # an agent reads only its own
    ("routing", "PUT", "/v1/agents/{agent}", {"name": "taken"}, MANAGER),
    ("routing", "PUT", "/v1/agents/{agent}/status", {"status": "away"}, MANAGER),  # an agent may set only its own
    ("routing", "GET", "/v1/groups/{group}", None, STAFF),
    ("routing", "PUT", "/v1/groups/{group}", {"name": "taken"}, MANAGER),
    ("routing", "GET", "/v1/routing/rules/{rule}", None, MANAGER),
    ("knowledge", "GET", "/v1/articles/{article}", None, ROLES),
    ("knowledge", "GET", "/v1/articles/{article}/versions", None, STAFF),
    ("knowledge", "PUT", "/v1/articles/{article}", {"title": "taken", "body": "taken"}, STAFF),
    ("knowledge", "POST", "/v1/articles/{article}/archive", None, STAFF),
    ("knowledge", "POST", "/v1/articles/{article}/feedback", {"helpful": False}, ROLES),
    ("knowledge", "GET", "/v1/articles/{article}/feedback", None, STAFF),
    ("knowledge", "GET", "/v1/kb/categories/{kb_category}", None, ROLES),
    ("knowledge", "PUT", "/v1/kb/categories/{kb_category}", {"name": "taken"}, MANAGER),
    ("knowledge", "POST", "/v1/kb/suggestions/{suggestion}/opened", {"article_id": "{article}"}, ROLES),
    ("feedback", "GET", "/v1/feature-requests/{feature_request}", None, ROLES),
    ("feedback", "POST", "/v1/feature-requests/{feature_request}/votes", None, ROLES),
    ("feedback", "DELETE", "/v1/feature-requests/{feature_request}/votes", None, ROLES),
    ("feedback", "GET", "/v1/feature-requests/{feature_request}/tickets", None, STAFF),
    ("feedback", "POST", "/v1/feature-requests/{feature_request}/status", {"status": "planned"}, MANAGER),
    # a filter by ticket over the caller's own invitations: an empty list for any ticket it has none of
    ("feedback", "GET", "/v1/surveys/tickets/{ticket}/invitations", None, STAFF, 200),
    ("notify", "POST", "/v1/notifications/{notification}/read", None, ROLES),
]


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


async def call(system: Platform, service: str, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    client = getattr(system, service)
    return await client.request(method, path, json=body, headers=headers)


def shows_a(text: str, world: World, asked: str = "") -> list[str]:
    """What of merchant A a response body shows (beyond echoing what the request itself named)."""
    needles = [MARK, A, *world.a.values()]
    return [n for n in needles if n.lower() in text.lower() and n.lower() not in asked.lower()]


async def test_merchant_b_gets_404_on_every_object_of_merchant_a_by_id(world):
    made_up = {k: str(uuid.uuid4()) for k in world.a} | {"agent": "agent-nobody"}
    a_ids = world.a | {"agent": A_AGENT_ID}
    wrong: list[str] = []
    for user, headers in B_USERS.items():
        role = role_of(user)
        for service, method, path, body, allowed, *unknown in BY_ID:
            if user.startswith("agent (") and path.startswith("/v1/agents/{agent}"):
                continue  # that user *is* agent-a in B: the route means itself, not A's agent
            expected = (unknown[0] if unknown else 404) if role in allowed else 403
            response = await call(world.system, service, method, fill(path, a_ids), fill(body, a_ids), headers)
            control = await call(world.system, service, method, fill(path, made_up), fill(body, made_up), headers)
            leaked = shows_a(response.text, world, asked=f"{fill(path, a_ids)} {fill(body, a_ids)}")
            if response.status_code != expected or control.status_code != expected or leaked:
                wrong.append(
                    f"B {user}: {method} {service} {fill(path, a_ids)} -> expected {expected}, got "
                    f"{response.status_code} (a made-up id: {control.status_code})"
                    f"{f' showing {leaked}' if leaked else ''}: {response.text[:200]}"
                )
    assert not wrong, "\n".join(wrong)
    # A's objects are untouched by all of it.
    s = world.system
    ticket = await ok(await s.tickets.get(f"/v1/tickets/{world.a['ticket']}", headers=A_MANAGER))
    assert ticket["priority"] == "normal" and ticket["tags"] == [] and ticket["assignee_id"] == A_AGENT_ID
    assert (await ok(await s.routing.get(f"/v1/agents/{A_AGENT_ID}", headers=A_MANAGER)))["status"] == "online"
    assert (await ok(await s.knowledge.get(f"/v1/articles/{world.a['article']}", headers=A_MANAGER)))["status"] == (
        "published"
    )
    request = await ok(await s.feedback.get(f"/v1/feature-requests/{world.a['feature_request']}", headers=A_MANAGER))
    assert request["vote_count"] == 0 and request["status"] == "open"
    messages = await ok(await s.tickets.get(f"/v1/tickets/{world.a['ticket']}/messages", headers=A_MANAGER))
    assert [m["body"] for m in messages] == [f"{MARK}: on it"]
    inbox = await ok(await s.notify.get("/v1/notifications", headers=A_CUSTOMER))
    assert [n["read_at"] for n in inbox["items"] if n["id"] == world.a["notification"]] == [None]


def _window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(days=1)).isoformat()}


# (service, path, query, roles answered with 200; the others 403)
LISTS: list[tuple[str, str, dict[str, Any], set[str]]] = [
    ("tickets", "/v1/tickets", {}, ROLES),
    ("tickets", "/v1/tickets", {"q": MARK}, ROLES),
    ("tickets", "/v1/tickets", {"customer_id": "cust-a"}, ROLES),  # a customer's list is always their own
    ("tickets", "/v1/tickets", {"assignee": A_AGENT_ID}, ROLES),
    ("tickets", "/v1/categories", {"include_inactive": "true"}, ROLES),
    ("tickets", "/v1/tickets/settings", {}, STAFF),
    ("sla", "/v1/sla/policies", {"include_inactive": "true"}, STAFF),
    ("sla", "/v1/sla/calendars", {}, STAFF),
    ("sla", "/v1/sla/compliance", {}, STAFF),
    ("routing", "/v1/agents", {}, STAFF),
    ("routing", "/v1/groups", {}, STAFF),
    ("routing", "/v1/agents/metrics", {}, STAFF),
    ("routing", "/v1/routing/rules", {}, MANAGER),
    ("routing", "/v1/routing/queue", {}, STAFF),
    ("routing", "/v1/routing/settings", {}, MANAGER),
    ("knowledge", "/v1/articles", {}, ROLES),
    ("knowledge", "/v1/articles/search", {"q": MARK}, ROLES),
    ("knowledge", "/v1/articles/search", {"q": "parcel tracking"}, ROLES),
    ("knowledge", "/v1/kb/categories", {}, ROLES),
    ("knowledge", "/v1/kb/suggest", {"q": f"{MARK} parcel never arrived"}, ROLES),
    ("knowledge", "/v1/kb/deflection", {"window": True}, MANAGER),
    ("feedback", "/v1/feature-requests", {"include_merged": "true"}, ROLES),
    ("feedback", "/v1/surveys/settings", {}, MANAGER),
    ("feedback", "/v1/surveys/results", {"type": "csat"}, STAFF),
    ("notify", "/v1/notifications", {}, ROLES),
    ("notify", "/v1/notifications/deliveries", {}, MANAGER),
    ("notify", "/v1/notifications/deliveries", {"recipient_id": A_AGENT_ID}, MANAGER),
    ("notify", "/v1/notifications/preferences/defaults", {"role": "agent"}, MANAGER),
]


async def test_merchant_b_sees_nothing_of_merchant_a_in_any_list_or_search(world):
    s = world.system
    # B's own ticket, so B's lists are not empty by accident of a broken query.
    own = await ok(await s.tickets.post("/v1/tickets", json={"subject": "B's own parcel"},
                                        headers=B_USERS["customer"]), 201)
    wrong: list[str] = []
    for user, headers in B_USERS.items():
        role = role_of(user)
        for service, path, query, allowed in LISTS:
            params = _window() if "window" in query else query
            response = await getattr(s, service).get(path, params=params, headers=headers)
            expected = 200 if role in allowed else 403
            leaked = shows_a(response.text, world, asked=" ".join(map(str, params.values())))
            if response.status_code != expected or leaked:
                wrong.append(
                    f"B {user}: GET {service} {path} {params} -> expected {expected} without A's data, got "
                    f"{response.status_code}{f' showing {leaked}' if leaked else ''}: {response.text[:200]}"
                )
        unread = await s.notify.get("/v1/notifications/unread-count", headers=headers)
        if unread.status_code != 200 or unread.json().get("unread") != 0:
            wrong.append(f"B {user}: GET notify /v1/notifications/unread-count -> expected 0, got {unread.text}")
    assert not wrong, "\n".join(wrong)
    mine = await ok(await s.tickets.get("/v1/tickets", headers=B_USERS["manager"]))
    assert [t["id"] for t in mine["items"]] == [own["id"]]
    survey = await ok(await s.feedback.get("/v1/surveys/settings", headers=B_USERS["manager"]))
    assert survey["csat"]["delay_seconds"] != 7


# docs/architecture.md §6: what customers and agents may not configure, and what managers may.
PERM_MANAGER = bearer("mgr-p", P, "manager")
PERM_AGENT = bearer("agent-p", P, "agent")
PERM_OTHER_AGENT = "agent-p2"
PERM_CUSTOMER = bearer("cust-p", P, "customer", email="cust-p@example.com", name="Perm", locale="en")


async def test_the_permission_table_end_to_end(world):
    s = world.system
    group = await ok(await s.routing.post("/v1/groups", json={"name": "P L1"}, headers=PERM_MANAGER), 201)
    for user_id in ("agent-p", PERM_OTHER_AGENT):
        await ok(await s.routing.post("/v1/agents", json={"user_id": user_id, "name": user_id,
                                                          "group_ids": [group["id"]]}, headers=PERM_MANAGER), 201)
    category = await ok(await s.tickets.post("/v1/categories", json={"name": "P cat"}, headers=PERM_MANAGER), 201)
    policy = await ok(await s.sla.post("/v1/sla/policies", json={"name": "P pol", "priority": "high",
                                                                 "first_response_seconds": 600},
                                       headers=PERM_MANAGER), 201)
    n = iter(range(1000))

    def writes() -> list[tuple[str, str, str, Any, int]]:
        """(what, service, method, path, body, the manager's status) — fresh names each time."""
        i = next(n)
        return [
            ("create an SLA policy", "sla", "POST", "/v1/sla/policies",
             {"name": f"pol {i}", "priority": "low", "first_response_seconds": 60}, 201),
            ("change an SLA policy", "sla", "PUT", f"/v1/sla/policies/{policy['id']}",
             {"name": f"P pol {i}", "priority": "high", "first_response_seconds": 900}, 200),
            ("create a business calendar", "sla", "POST", "/v1/sla/calendars",
             {"name": f"cal {i}", "time_zone": "UTC", "always_open": True}, 201),
            ("create a routing rule", "routing", "POST", "/v1/routing/rules",
             {"name": f"rule {i}", "group_id": group["id"], "strategy": "least_loaded"}, 201),
            ("change routing settings", "routing", "PUT", "/v1/routing/settings",
             {"offline_policy": "requeue", "default_strategy": "round_robin"}, 200),
            ("create a group", "routing", "POST", "/v1/groups", {"name": f"group {i}"}, 201),
            ("change a group", "routing", "PUT", f"/v1/groups/{group['id']}",
             {"name": "P L1", "tier": 2, "is_default": True}, 200),  # the merchant's first group is its default
            ("add an agent", "routing", "POST", "/v1/agents", {"user_id": f"new-{i}", "name": "New"}, 201),
            ("edit another agent", "routing", "PUT", f"/v1/agents/{PERM_OTHER_AGENT}",
             {"name": "Renamed", "group_ids": [group["id"]], "tier": 2}, 200),
            ("create a ticket category", "tickets", "POST", "/v1/categories", {"name": f"cat {i}"}, 201),
            ("change a ticket category", "tickets", "PATCH", f"/v1/categories/{category['id']}",
             {"name": f"P cat {i}"}, 200),
            ("create a KB category", "knowledge", "POST", "/v1/kb/categories", {"name": f"kb {i}"}, 201),
            ("change survey settings", "feedback", "PATCH", "/v1/surveys/settings",
             {"csat": {"delay_seconds": 60 + i}}, 200),
            ("change the merchant's notification defaults", "notify", "PUT",
             "/v1/notifications/preferences/defaults?role=agent", {"preferences": []}, 200),
        ]

    reads = [
        ("read another agent's survey results", "feedback",
         f"/v1/surveys/results?type=csat&agent_id={PERM_OTHER_AGENT}"),
        ("read survey results", "feedback", "/v1/surveys/results?type=csat"),
        ("read the email delivery log", "notify", "/v1/notifications/deliveries"),
        ("read the ticket-form deflection report", "knowledge",
         "/v1/kb/deflection?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"),
    ]
    wrong: list[str] = []
    for who, headers in (("customer", PERM_CUSTOMER), ("agent", PERM_AGENT)):
        for what, service, method, path, body, _ in writes():
            response = await getattr(s, service).request(method, path, json=body, headers=headers)
            if response.status_code != 403:
                wrong.append(f"{who} may not {what}: {method} {service} {path} -> expected 403, got "
                             f"{response.status_code}: {response.text[:200]}")
        for what, service, path in reads:
            if who == "agent" and what == "read survey results":
                continue  # an agent reads its own results
            response = await getattr(s, service).get(path, headers=headers)
            if response.status_code != 403:
                wrong.append(f"{who} may not {what}: GET {service} {path} -> expected 403, got "
                             f"{response.status_code}: {response.text[:200]}")
    for what, service, method, path, body, status in writes():
        response = await getattr(s, service).request(method, path, json=body, headers=PERM_MANAGER)
        if response.status_code != status:
            wrong.append(f"a manager may {what}: {method} {service} {path} -> expected {status}, got "
                         f"{response.status_code}: {response.text[:200]}")
    for what, service, path in reads:
        response = await getattr(s, service).get(path, headers=PERM_MANAGER)
        if response.status_code != 200:
            wrong.append(f"a manager may {what}: GET {service} {path} -> expected 200, got "
                         f"{response.status_code}: {response.text[:200]}")
    own_results = await s.feedback.get("/v1/surveys/results?type=csat", headers=PERM_AGENT)
    if own_results.status_code != 200:
        wrong.append(f"an agent reads its own survey results -> expected 200, got {own_results.status_code}")
    assert not wrong, "\n".join(wrong)
    # The refused writes changed nothing: only the manager's own objects exist.
    policies = await ok(await s.sla.get("/v1/sla/policies", headers=PERM_MANAGER))
    assert sorted(p["name"] for p in policies["items"]) == ["P pol 2", "pol 2"]
    categories = await ok(await s.tickets.get("/v1/categories", headers=PERM_MANAGER))
    assert sorted(c["name"] for c in categories) == ["P cat 2", "cat 2"]
    other = await ok(await s.routing.get(f"/v1/agents/{PERM_OTHER_AGENT}", headers=PERM_MANAGER))
    assert other["name"] == "Renamed"
