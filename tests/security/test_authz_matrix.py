"""The authorization matrix, generated from the route table: every route of the six services x (no token, customer
own, customer other, agent, manager, other merchant) against docs/architecture.md §6.

ROUTES below is the one place that says who may use a route; a route the apps have and the table lacks (or the
reverse) fails the test. Merchant A's objects exist (world.seed), so every id in a path names a real object:
- no token: 401 problem+json (public routes: anything but 401/403);
- a role §6 does not allow: 403, or 404 where the object is hidden from that caller;
- a customer on another customer's object: 404 (its existence is not confirmed);
- another merchant's manager on an id of A: 404; on an id-less route: its own data, none of A's;
- an allowed role: neither 401 nor 403 (and 200 for reads).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from helpdesk_servicekit.testing.helpers import eventually
from helpdesk_servicekit.testing.plugin import bearer

from ..integration.conftest import SERVICES, platform_of
from .world import MARK, PRINCIPALS, A, World, seed

pytestmark = pytest.mark.timeout(240)

CUSTOMER, AGENT, MANAGER = "customer", "agent", "manager"
PRIVATE = ("ticket", "attachment", "compensation", "notification")  # A's objects only their own customer sees


@dataclass(frozen=True)
class Access:
    roles: frozenset[str] = frozenset()
    public: bool = False
    own: bool = False  # a customer reaches only their own object (another customer gets 404)
    # Reads: the status an allowed role gets (a staff member asking for the customer's own notification: 404).
    read_status: dict[str, int] | None = None


PUBLIC = Access(public=True)
EVERYONE = Access(frozenset({CUSTOMER, AGENT, MANAGER}))
OWN = Access(frozenset({CUSTOMER, AGENT, MANAGER}), own=True)
STAFF = Access(frozenset({AGENT, MANAGER}))
MANAGERS = Access(frozenset({MANAGER}))
CUSTOMERS_OWN = Access(frozenset({CUSTOMER}), own=True)  # §6: the customer confirms the resolution of their ticket


@dataclass(frozen=True)
class Probe:
    access: Access
    body: Any = None
    query: dict[str, str] | None = None
    files: bool = False  # a multipart upload
    foreign: int = 404  # another merchant's answer for an id of A (and for a made-up id: the same)


def _window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(days=1)).isoformat()}


OPS = {("GET", p): Probe(PUBLIC) for p in ("/healthz", "/readyz", "/metrics", "/asyncapi.json")}

# (service, method, path) -> who may, and how to call it. docs/architecture.md §6 in route form.
ROUTES: dict[str, dict[tuple[str, str], Probe]] = {
    "tickets": OPS
    | {
        ("GET", "/v1/tickets/settings"): Probe(STAFF),  # agents read the approval thresholds they work under
        ("PUT", "/v1/tickets/settings"): Probe(MANAGERS, {"auto_close_seconds": 86400}),
        ("POST", "/v1/tickets"): Probe(EVERYONE, {"subject": "matrix probe"}),
        ("GET", "/v1/tickets"): Probe(OWN),
        ("GET", "/v1/tickets/{ticket_id}"): Probe(OWN),
        ("PATCH", "/v1/tickets/{ticket_id}"): Probe(STAFF, {"priority": "high"}),
        ("POST", "/v1/tickets/{ticket_id}/tags"): Probe(STAFF, {"tags": ["matrix"]}),
        ("DELETE", "/v1/tickets/{ticket_id}/tags/{tag}"): Probe(STAFF),
        ("POST", "/v1/tickets/{ticket_id}/status"): Probe(STAFF, {"status": "in_progress"}),
        ("POST", "/v1/tickets/{ticket_id}/messages"): Probe(OWN, {"body": "matrix probe"}),
        ("GET", "/v1/tickets/{ticket_id}/messages"): Probe(OWN),
        ("POST", "/v1/tickets/{ticket_id}/attachments"): Probe(OWN, files=True),
        ("GET", "/v1/tickets/{ticket_id}/attachments"): Probe(OWN),
        ("GET", "/v1/attachments/{attachment_id}"): Probe(OWN),
        ("POST", "/v1/tickets/{ticket_id}/assignment"): Probe(STAFF, {"agent_id": "agent-sec-a"}),
        ("DELETE", "/v1/tickets/{ticket_id}/assignment"): Probe(STAFF),
        ("POST", "/v1/tickets/{ticket_id}/escalations"): Probe(MANAGERS, {"level": 2}),
        ("POST", "/v1/tickets/{ticket_id}/resolution"): Probe(CUSTOMERS_OWN, {"accepted": True}),
        ("POST", "/v1/tickets/{ticket_id}/compensations"): Probe(
            STAFF, {"type": "voucher", "amount": "1", "currency": "EUR", "reason": "matrix"}
        ),
        ("GET", "/v1/tickets/{ticket_id}/compensations"): Probe(STAFF),
        ("POST", "/v1/tickets/{ticket_id}/compensations/{compensation_id}/decision"): Probe(
            MANAGERS, {"approved": True}
        ),
        ("GET", "/v1/tickets/{ticket_id}/history"): Probe(STAFF),
        ("POST", "/v1/categories"): Probe(MANAGERS, {"name": "matrix category"}),
        ("GET", "/v1/categories"): Probe(EVERYONE),
        ("GET", "/v1/categories/{category_id}"): Probe(EVERYONE),
        ("PATCH", "/v1/categories/{category_id}"): Probe(MANAGERS, {"description": "matrix"}),
        ("DELETE", "/v1/categories/{category_id}"): Probe(MANAGERS),
    },
    "sla": OPS
    | {
        ("POST", "/v1/sla/calendars"): Probe(MANAGERS, {"name": "matrix", "time_zone": "UTC", "always_open": True}),
        ("GET", "/v1/sla/calendars"): Probe(STAFF),
        ("GET", "/v1/sla/calendars/{calendar_id}"): Probe(STAFF),
        ("PUT", "/v1/sla/calendars/{calendar_id}"): Probe(
            MANAGERS, {"name": f"{MARK} hours", "time_zone": "UTC", "always_open": True}
        ),
        ("POST", "/v1/sla/calendars/{calendar_id}/replan"): Probe(MANAGERS),
        ("POST", "/v1/sla/policies"): Probe(MANAGERS, {"name": "matrix", "priority": "low"}),
        ("GET", "/v1/sla/policies"): Probe(STAFF),
        ("GET", "/v1/sla/policies/{policy_id}"): Probe(STAFF),
        ("PUT", "/v1/sla/policies/{policy_id}"): Probe(
            MANAGERS, {"name": f"{MARK} normal", "priority": "normal", "first_response_seconds": 3600}
        ),
        ("DELETE", "/v1/sla/policies/{policy_id}"): Probe(MANAGERS),
        ("GET", "/v1/sla/policies/{policy_id}/versions"): Probe(STAFF),
        ("GET", "/v1/sla/policies/{policy_id}/versions/{version}"): Probe(STAFF),
        ("POST", "/v1/sla/policies/{policy_id}/replan"): Probe(MANAGERS),
        ("GET", "/v1/sla/tickets/{ticket_id}"): Probe(STAFF),
        ("GET", "/v1/sla/compliance"): Probe(STAFF),
    },
    "routing": OPS
    | {
        ("POST", "/v1/agents"): Probe(MANAGERS, {"user_id": "matrix-agent", "name": "Matrix"}),
        ("GET", "/v1/agents"): Probe(STAFF),
        # "me": the caller's own agent record; A's manager is not an agent of the directory.
        ("GET", "/v1/agents/me"): Probe(Access(frozenset({AGENT, MANAGER}), read_status={MANAGER: 404})),
        ("PUT", "/v1/agents/me/status"): Probe(STAFF, {"status": "away"}),
        ("GET", "/v1/agents/metrics"): Probe(STAFF),
        ("GET", "/v1/agents/{agent_id}"): Probe(STAFF),
        ("PUT", "/v1/agents/{agent_id}"): Probe(MANAGERS, {"name": f"{MARK} Agent"}),
        ("DELETE", "/v1/agents/{agent_id}"): Probe(MANAGERS),
        # an agent sets its own status only: agent_id is the agent itself here
        ("PUT", "/v1/agents/{agent_id}/status"): Probe(STAFF, {"status": "online"}),
        ("GET", "/v1/agents/{agent_id}/metrics"): Probe(STAFF),  # an agent reads its own metrics only
        ("POST", "/v1/groups"): Probe(MANAGERS, {"name": "matrix group"}),
        ("GET", "/v1/groups"): Probe(STAFF),
        ("GET", "/v1/groups/{group_id}"): Probe(STAFF),
        ("PUT", "/v1/groups/{group_id}"): Probe(MANAGERS, {"name": f"{MARK} L1", "is_default": True}),
        ("DELETE", "/v1/groups/{group_id}"): Probe(MANAGERS),
        ("POST", "/v1/routing/rules"): Probe(
            MANAGERS, {"name": "matrix", "group_id": "{group}", "strategy": "round_robin"}
        ),
        ("GET", "/v1/routing/rules"): Probe(MANAGERS),
        ("GET", "/v1/routing/rules/{rule_id}"): Probe(MANAGERS),
        ("PUT", "/v1/routing/rules/{rule_id}"): Probe(
            MANAGERS, {"name": f"{MARK} urgent", "group_id": "{group}", "strategy": "round_robin"}
        ),
        ("DELETE", "/v1/routing/rules/{rule_id}"): Probe(MANAGERS),
        ("GET", "/v1/routing/settings"): Probe(MANAGERS),
        ("PUT", "/v1/routing/settings"): Probe(
            MANAGERS, {"offline_policy": "requeue", "default_strategy": "round_robin"}
        ),
        ("GET", "/v1/routing/queue"): Probe(STAFF),
        ("POST", "/v1/routing/reconcile"): Probe(MANAGERS),
    },
    "knowledge": OPS
    | {
        ("GET", "/v1/articles/search"): Probe(EVERYONE, query={"q": "parcel"}),
        ("POST", "/v1/articles"): Probe(STAFF, {"title": "matrix article", "body": "matrix body"}),
        ("GET", "/v1/articles"): Probe(EVERYONE),
        ("GET", "/v1/articles/{article_id}"): Probe(EVERYONE),
        ("PUT", "/v1/articles/{article_id}"): Probe(
            STAFF, {"title": f"{MARK} parcel tracking", "body": f"How to track a {MARK} parcel."}
        ),
        ("POST", "/v1/articles/{article_id}/status"): Probe(STAFF, {"status": "published"}),
        ("POST", "/v1/articles/{article_id}/publish"): Probe(STAFF),
        ("POST", "/v1/articles/{article_id}/archive"): Probe(STAFF),
        ("GET", "/v1/articles/{article_id}/versions"): Probe(STAFF),
        ("GET", "/v1/articles/{article_id}/versions/{version}"): Probe(STAFF),
        ("POST", "/v1/articles/{article_id}/versions/{version}/restore"): Probe(STAFF),
        ("POST", "/v1/articles/{article_id}/feedback"): Probe(EVERYONE, {"helpful": True}),
        ("GET", "/v1/articles/{article_id}/feedback"): Probe(STAFF),
        ("POST", "/v1/kb/categories"): Probe(MANAGERS, {"name": "matrix kb"}),
        ("GET", "/v1/kb/categories"): Probe(EVERYONE),
        ("GET", "/v1/kb/categories/{category_id}"): Probe(EVERYONE),
        ("PUT", "/v1/kb/categories/{category_id}"): Probe(MANAGERS, {"name": f"{MARK} shipping"}),
        ("DELETE", "/v1/kb/categories/{category_id}"): Probe(MANAGERS),
        ("GET", "/v1/kb/suggest"): Probe(EVERYONE, query={"q": "parcel never arrived"}),
        ("POST", "/v1/kb/suggestions/{suggestion_id}/opened"): Probe(OWN, {"article_id": "{article}"}),
        ("GET", "/v1/kb/tickets/{ticket_id}/suggestions"): Probe(OWN),
        ("GET", "/v1/kb/deflection"): Probe(MANAGERS, query={"window": "1"}),
    },
    "feedback": OPS
    | {
        ("GET", "/v1/surveys/settings"): Probe(MANAGERS),
        ("PATCH", "/v1/surveys/settings"): Probe(MANAGERS, {"csat": {"delay_seconds": 60}}),
        ("GET", "/v1/surveys/results"): Probe(STAFF, query={"type": "csat"}),  # an agent: its own results
        # a filter over the caller's merchant's invitations: an empty list for a ticket it has none of
        ("GET", "/v1/surveys/tickets/{ticket_id}/invitations"): Probe(STAFF, foreign=200),
        # The survey link's token is the credential: no bearer token, and an unknown token is a 404.
        ("GET", "/v1/surveys/{token}"): Probe(PUBLIC),
        ("POST", "/v1/surveys/{token}/responses"): Probe(PUBLIC, {"score": 5}),
        ("POST", "/v1/feature-requests"): Probe(EVERYONE, {"title": "matrix request", "description": "matrix"}),
        ("GET", "/v1/feature-requests"): Probe(EVERYONE),
        ("GET", "/v1/feature-requests/{request_id}"): Probe(EVERYONE),
        ("POST", "/v1/feature-requests/{request_id}/votes"): Probe(EVERYONE),
        ("DELETE", "/v1/feature-requests/{request_id}/votes"): Probe(EVERYONE),
        ("POST", "/v1/feature-requests/{request_id}/status"): Probe(MANAGERS, {"status": "planned"}),
        ("POST", "/v1/feature-requests/{request_id}/merge"): Probe(MANAGERS, {"into_id": "{duplicate_request}"}),
        ("POST", "/v1/feature-requests/{request_id}/tickets"): Probe(STAFF, {"ticket_id": "{ticket}"}),
        ("GET", "/v1/feature-requests/{request_id}/tickets"): Probe(STAFF),
        ("DELETE", "/v1/feature-requests/{request_id}/tickets/{ticket_id}"): Probe(STAFF),
    },
    "notify": OPS
    | {
        ("GET", "/v1/notifications/preferences"): Probe(EVERYONE),
        ("PUT", "/v1/notifications/preferences"): Probe(EVERYONE, {"preferences": []}),
        ("GET", "/v1/notifications/preferences/defaults"): Probe(MANAGERS, query={"role": "customer"}),
        ("PUT", "/v1/notifications/preferences/defaults"): Probe(MANAGERS, {"preferences": []}, {"role": "customer"}),
        ("GET", "/v1/notifications/deliveries"): Probe(MANAGERS),
        ("GET", "/v1/notifications"): Probe(OWN),
        ("GET", "/v1/notifications/unread-count"): Probe(OWN),
        ("POST", "/v1/notifications/read-all"): Probe(OWN),
        # the customer's own notification: nobody else's id, staff included
        ("POST", "/v1/notifications/{notification_id}/read"): Probe(
            Access(frozenset({CUSTOMER, AGENT, MANAGER}), own=True, read_status={AGENT: 404, MANAGER: 404})
        ),
        # the caller's own live feed: test_the_live_socket_takes_every_role_and_refuses_no_token below
        ("WS", "/v1/ws"): Probe(EVERYONE),
    },
}

# Path parameters: which of A's objects each names, per service.
PARAMS: dict[str, dict[str, str]] = {
    "tickets": {"category_id": "category"},
    "knowledge": {"category_id": "kb_category"},
}
COMMON = {
    "ticket_id": "ticket", "tag": "tag", "attachment_id": "attachment", "compensation_id": "compensation",
    "calendar_id": "calendar", "policy_id": "policy", "agent_id": "agent", "group_id": "group", "rule_id": "rule",
    "article_id": "article", "suggestion_id": "suggestion", "request_id": "feature_request",
    "notification_id": "notification",
}  # fmt: skip
FIXED = {"version": "1", "token": "not-a-real-survey-token"}


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every HTTP and WebSocket route the app serves (FastAPI's own docs routes aside)."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIWebSocketRoute):
            found.add(("WS", context.path))
        elif isinstance(route, APIRoute):
            found.update((method, context.path) for method in context.methods or ())
    return found


def concrete(service: str, template: str, ids: dict[str, str]) -> str:
    names = PARAMS.get(service, {}) | COMMON

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return FIXED[name] if name in FIXED else ids[names[name]]

    return re.sub(r"\{([^}]+)\}", value, template)


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], value)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def order(item: tuple[tuple[str, str], Probe]) -> tuple[int, str]:
    """Reads first, then writes, removals last: a write never hides an object from a later route's probes."""
    (method, path), _ = item
    rank = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 3}.get(method, 2)
    if path.endswith(("/archive", "/merge", "/assignment")):
        rank = 2
    return rank, path


@pytest.fixture(scope="module")
async def world(database_factory, amqp_url, amqp_run_namespace) -> AsyncIterator[World]:
    async with platform_of(SERVICES, database_factory, amqp_url, f"{amqp_run_namespace}authz.") as system:
        yield await seed(system)


def test_the_table_names_every_route_of_every_service_and_nothing_else(world):
    wrong = []
    for service in SERVICES:
        served = app_routes(getattr(world.system, service).app)
        declared = set(ROUTES[service])
        wrong += [f"{service}: {m} {p} has no entry in ROUTES" for m, p in sorted(served - declared)]
        wrong += [
            f"{service}: ROUTES names {m} {p}, which the app does not serve" for m, p in sorted(declared - served)
        ]
    assert not wrong, "\n".join(wrong)


def expected(probe: Probe, method: str, principal: str, by_id: bool) -> str:
    """What the principal must get, as a predicate name checked by `meets`."""
    access = probe.access
    if access.public:
        return "not refused"
    if principal == "no token":
        return "401"
    if principal == "other merchant":
        if MANAGER not in access.roles:
            return "403, none of A"
        return f"{probe.foreign}, none of A" if by_id else "not refused, none of A"
    role = CUSTOMER if principal.startswith("customer") else principal
    if role not in access.roles:
        return "403 or 404"
    if principal == "customer other" and access.own:
        return "404" if by_id else "not refused, none of A's private"
    status = (access.read_status or {}).get(role)
    if status is not None:
        return str(status)
    return "200" if method == "GET" else "not refused"


def meets(rule: str, response: Any, leaks: list[str]) -> bool:
    status = response.status_code
    if status >= 500 or leaks:
        return False
    if rule.split(",")[0].isdigit():
        return status == int(rule.split(",")[0])
    if rule == "403 or 404":
        return status in (403, 404)
    return status not in (401, 403)


async def test_every_route_answers_each_principal_as_the_permission_table_says(world):
    ids = world.ids
    private = [ids[k] for k in PRIVATE]
    made_up = {k: str(uuid.uuid4()) for k in ids} | {"agent": "agent-nobody", "tag": "nosuchtag"}
    wrong: list[str] = []
    count = 0
    for service in SERVICES:
        client = getattr(world.system, service)
        for (method, template), probe in sorted(ROUTES[service].items(), key=order):
            if method == "WS":
                continue
            path = concrete(service, template, ids)
            by_id = "{" in template and not template.startswith("/v1/surveys/{token}")
            query = _window() if probe.query and "window" in probe.query else probe.query
            for principal, headers in PRINCIPALS.items():
                rule = expected(probe, method, principal, by_id)
                kwargs: dict[str, Any] = {"params": query, "headers": headers}
                if probe.files:
                    kwargs["files"] = {"file": ("probe.txt", b"matrix probe", "text/plain")}
                elif probe.body is not None:
                    kwargs["json"] = fill(probe.body, ids)
                response = await client.request(method, path, **kwargs)
                count += 1
                leaks: list[str] = []
                if "none of A" in rule:
                    needles = private if "private" in rule else [MARK, A, *private]
                    leaks = [n for n in needles if n in response.text and n not in path]
                if rule == "401" and response.headers.get("content-type") != "application/problem+json":
                    leaks = ["a 401 that is not problem+json"]
                if principal == "other merchant" and by_id:
                    # An id of A answers exactly as an id that does not exist: nothing confirms A's object.
                    control = await client.request(method, concrete(service, template, made_up), **kwargs)
                    if control.status_code != response.status_code:
                        leaks.append(f"a made-up id gets {control.status_code}")
                if not meets(rule, response, leaks):
                    wrong.append(
                        f"{principal}: {method} {service} {template} -> expected {rule}, got {response.status_code}"
                        f"{f' showing {leaks}' if leaks else ''}: {response.text[:160]}"
                    )
    print(f"authorization matrix: {count} requests")
    assert not wrong, f"{len(wrong)} of {count}:\n" + "\n".join(wrong)
    # The refused left no trace on A's ticket: no message, history entry or tag of theirs.
    ticket = ids["ticket"]
    for view in (f"/v1/tickets/{ticket}/messages", f"/v1/tickets/{ticket}/history", f"/v1/tickets/{ticket}"):
        seen = (await world.system.tickets.get(view, headers=PRINCIPALS["manager"])).text
        assert "mgr-sec-b" not in seen and "cust-sec-a2" not in seen, (view, seen[:500])


async def ws_answer(app: Any, headers: dict[str, str]) -> str:
    """`hello` when notify's live socket takes the caller, else the code it closed with."""
    token = headers.get("Authorization", "").removeprefix("Bearer ")
    url = f"http://t/v1/ws?token={token}" if token else "http://t/v1/ws"
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://t") as client:
        async with aconnect_ws(url, client) as ws:
            try:
                return str(json.loads(await ws.receive_text(timeout=5))["type"])
            except WebSocketDisconnect as closed:
                return str(closed.code)


async def test_the_live_socket_takes_every_role_and_refuses_no_token(world):
    assert ROUTES["notify"][("WS", "/v1/ws")].access == EVERYONE
    answers = {principal: await ws_answer(world.system.notify.app, h) for principal, h in PRINCIPALS.items()}
    assert answers == {principal: "4401" if principal == "no token" else "hello" for principal in PRINCIPALS}


OUTSIDER_ID = "agent-sec-outsider"


@pytest.fixture(scope="module")
async def outsider(world) -> dict[str, str]:
    """An agent of A in another group than the ticket's, once A turned `agents_see_all_tickets` off."""
    s, ids = world.system, world.ids
    group = await s.routing.post("/v1/groups", json={"name": "matrix L2"}, headers=PRINCIPALS["manager"])
    created = await s.routing.post(
        "/v1/agents",
        json={"user_id": OUTSIDER_ID, "name": "Outsider", "group_ids": [group.json()["id"]], "status": "online"},
        headers=PRINCIPALS["manager"],
    )
    assert created.status_code == 201, created.text
    turned = await s.tickets.put(
        "/v1/tickets/settings", json={"agents_see_all_tickets": False}, headers=PRINCIPALS["manager"]
    )
    assert turned.status_code == 200 and turned.json()["agents_see_all_tickets"] is False, turned.text
    headers = bearer(OUTSIDER_ID, A, "agent")

    async def knows_its_group() -> bool:  # tickets learns the agent's groups from routing's events
        return (await s.tickets.get(f"/v1/tickets/{ids['ticket']}", headers=headers)).status_code == 404

    await eventually(knows_its_group, timeout=20)
    return headers


@pytest.mark.xfail(
    strict=True,
    reason="agents_see_all_tickets lives in tickets only: sla's GET /v1/sla/tickets/{id} (status, priority, "
    "escalation level, clocks) and knowledge's GET /v1/kb/tickets/{id}/suggestions answer any agent of the merchant",
)
async def test_with_agents_see_all_tickets_off_other_services_hide_the_ticket_from_an_agent_outside_its_group(
    world, outsider
):
    s, ticket = world.system, world.ids["ticket"]
    answers = {
        "sla": (await s.sla.get(f"/v1/sla/tickets/{ticket}", headers=outsider)).status_code,
        "knowledge": (await s.knowledge.get(f"/v1/kb/tickets/{ticket}/suggestions", headers=outsider)).status_code,
    }
    assert answers == {"sla": 404, "knowledge": 404}


async def test_with_agents_see_all_tickets_off_an_agent_outside_the_tickets_group_reaches_none_of_its_routes(
    world, outsider
):
    """§6: agents see the tickets assigned to them and their groups' (all only with `agents_see_all_tickets`)."""
    s, ids = world.system, world.ids
    ticket_path = f"/v1/tickets/{ids['ticket']}"
    wrong = []
    for (method, template), probe in sorted(ROUTES["tickets"].items(), key=order):
        if AGENT not in probe.access.roles or ("{ticket_id}" not in template and "{attachment_id}" not in template):
            continue  # a route no agent may use answers 403 whatever the ticket
        kwargs: dict[str, Any] = {"headers": outsider}
        if probe.files:
            kwargs["files"] = {"file": ("probe.txt", b"matrix probe", "text/plain")}
        elif probe.body is not None:
            kwargs["json"] = fill(probe.body, ids)
        response = await s.tickets.request(method, concrete("tickets", template, ids), **kwargs)
        if response.status_code != 404:
            wrong.append(f"{method} {template}: {response.status_code} {response.text[:160]}")
    listed = await s.tickets.get("/v1/tickets", headers=outsider)
    if listed.status_code != 200 or ids["ticket"] in listed.text:
        wrong.append(f"GET /v1/tickets shows the ticket: {listed.status_code}")
    assert not wrong, "an agent outside the ticket's group reached it:\n" + "\n".join(wrong)
    # Once the ticket is the outsider's, the same agent reaches it: the 404s above were the visibility rule's.
    assigned = await s.tickets.post(
        f"{ticket_path}/assignment", json={"agent_id": OUTSIDER_ID}, headers=PRINCIPALS["manager"]
    )
    assert assigned.status_code == 200, assigned.text
    assert (await s.tickets.get(ticket_path, headers=outsider)).status_code == 200
