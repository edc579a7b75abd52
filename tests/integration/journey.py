"""One ticket's whole life across the six services, lived by its customer, its agents and a manager.

Shared by `make demo` (scripts/demo.py: real HTTP to the services `make up` started) and
tests/integration/test_journey.py (the same steps over the in-process `system` fixture). `Api` is the only seam:
six httpx clients (real or ASGI) and a token minter. Every step acts through the public HTTP API as a person would,
then polls what a person would look at until the effect shows; if it does not within the step's timeout the step
fails (`StepFailed`, naming the step and what was last seen). Nothing here reads a database or the broker.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

JSON = Any
Headers = dict[str, str]
# (sub, merchant_id, role, identity claims) -> a bearer token the services accept
Minter = Callable[[str, str, str, dict[str, str]], str]

# What notify may ever put in front of a customer (services/notify/README.md, "Who gets what").
CUSTOMER_KINDS = frozenset(
    {
        "agent_reply",
        "waiting_on_you",
        "resolved_please_confirm",
        "compensation_issued",
        "survey_invitation",
        "feature_request_status",
    }
)


@dataclass
class Api:
    """The six services, each an httpx client whose base URL is that service."""

    tickets: httpx.AsyncClient
    sla: httpx.AsyncClient
    routing: httpx.AsyncClient
    knowledge: httpx.AsyncClient
    feedback: httpx.AsyncClient
    notify: httpx.AsyncClient
    mint: Minter


@dataclass(frozen=True)
class Targets:
    """The demo merchant's SLA promise (seconds of 24/7 business time) and survey delay."""

    first_response: float = 30.0
    resolution: float = 12.0
    warn_at_percent: float = 50.0
    survey_delay: int = 1


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    role: str
    email: str
    headers: Headers
    tier: int = 0


@dataclass
class StepResult:
    number: int
    phase: str
    name: str
    seconds: float
    detail: str


class StepFailed(AssertionError):
    """A step did not happen in time (or the API refused it): names the step and what was seen last."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"step '{step}' failed: {detail}")
        self.step = step
        self.detail = detail


class Progress(Protocol):
    def begin(self, number: int, total: int, phase: str, name: str) -> None: ...
    def waiting(self, what: str) -> None: ...
    def end(self, result: StepResult, total: int) -> None: ...
    def fail(self, number: int, total: int, name: str, seconds: float, detail: str) -> None: ...


class QuietProgress:
    """Progress for tests: remembers nothing beyond the results the journey keeps itself."""

    def begin(self, number: int, total: int, phase: str, name: str) -> None:
        pass

    def waiting(self, what: str) -> None:
        pass

    def end(self, result: StepResult, total: int) -> None:
        pass

    def fail(self, number: int, total: int, name: str, seconds: float, detail: str) -> None:
        pass


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


TICKET_SUBJECT = "My order A-1001 arrived damaged"
TICKET_DESCRIPTION = (
    "The parcel came today but the box was crushed and the ceramic mug inside is broken. "
    "Can you send a replacement?"
)
ARTICLES = (
    {
        "key": "damaged",
        "title": "Damaged or broken item: how to get a replacement",
        "body": (
            "# Your order arrived damaged?\n\nSorry about that! If an item in your parcel arrived **damaged or "
            "broken**, reply to your ticket with a photo of the item and the box. We send a free replacement "
            "within two working days, and you keep or recycle the broken item."
        ),
        "tags": ["damaged", "replacement"],
    },
    {
        "key": "tracking",
        "title": "Tracking your parcel",
        "body": "Every order has a tracking link in its confirmation email. Tracking updates once a day.",
        "tags": ["shipping"],
    },
    {
        "key": "returns",
        "title": "Returning an item you no longer want",
        "body": "You can return unused items within 30 days for a refund. Start the return from your account.",
        "tags": ["returns"],
    },
)


class Journey:
    """Seed a fresh merchant, then drive one ticket from creation to closure, step by step."""

    def __init__(
        self,
        api: Api,
        merchant_id: str,
        *,
        targets: Targets | None = None,
        progress: Progress | None = None,
        step_timeout: float = 30.0,
        require_email_sent: bool = False,
        poll_interval: float = 0.2,
    ) -> None:
        self.api = api
        self.merchant_id = merchant_id
        self.targets = targets or Targets()
        self.progress: Progress = progress or QuietProgress()
        self.step_timeout = step_timeout
        self.require_email_sent = require_email_sent
        self.poll_interval = poll_interval
        self.results: list[StepResult] = []
        self.started_at = datetime.now(UTC)
        run = uuid.uuid4().hex[:6]
        self.marker = f"INTERNAL-{run}"
        self.manager = self._person(f"mgr-{run}", "Morgan Manager", "manager")
        self.customer = self._person(f"cust-{run}", "Casey Customer", "customer", locale="en")
        self.agents = {
            "l1a": self._person(f"ada-{run}", "Ada (L1)", "agent", tier=1),
            "l1b": self._person(f"bo-{run}", "Bo (L1)", "agent", tier=1),
            "l2": self._person(f"lin-{run}", "Lin (L2)", "agent", tier=2),
            "l3": self._person(f"sam-{run}", "Sam (L3)", "agent", tier=3),
        }
        self.groups: dict[int, str] = {}
        self.articles: dict[str, str] = {}
        self.policy_id: str | None = None
        self.calendar_id: str | None = None
        self.ticket_id: str | None = None
        self.ticket_number: int | None = None
        self.survey_token: str | None = None
        self.survey_notification_id: str | None = None
        self._step = ""
        self._deadline = 0.0
        self._last_seen: Any = None

    def _person(self, user_id: str, name: str, role: str, *, tier: int = 0, locale: str | None = None) -> Person:
        local = user_id.replace("_", "-")
        email = f"{local}@{self.merchant_id}.example.com"
        claims = {"email": email, "name": name} | ({"locale": locale} if locale else {})
        token = self.api.mint(user_id, self.merchant_id, role, claims)
        return Person(user_id, name, role, email, {"Authorization": f"Bearer {token}"}, tier)

    # ---- the plan -------------------------------------------------------------------------------------------------

    def plan(self) -> list[tuple[str, str, Callable[[], Awaitable[str]], float]]:
        t = self.targets
        slow = t.resolution + self.step_timeout  # the SLA steps also wait for time itself to pass
        return [
            ("setup", "calendar (24/7)", self.seed_calendar, self.step_timeout),
            ("setup", "SLA policy with an L2 ladder", self.seed_policy, self.step_timeout),
            ("setup", "groups L1, L2, L3", self.seed_groups, self.step_timeout),
            ("setup", "agents in their groups, online", self.seed_agents, self.step_timeout),
            ("setup", "routing rules by escalation level", self.seed_rules, self.step_timeout),
            ("setup", "KB articles published", self.seed_articles, self.step_timeout),
            ("setup", "CSAT survey on", self.seed_survey, self.step_timeout),
            ("ticket", "customer creates the ticket", self.create_ticket, self.step_timeout),
            ("ticket", "articles suggested", self.articles_suggested, self.step_timeout),
            ("ticket", "auto-assigned to L1", self.auto_assigned, self.step_timeout),
            ("ticket", "agent replies publicly (first response met)", self.public_reply, self.step_timeout),
            ("ticket", "internal note (never shown to the customer)", self.internal_note, self.step_timeout),
            ("ticket", "waiting on customer (SLA paused)", self.waiting_on_customer, self.step_timeout),
            ("ticket", "customer replies (SLA resumes)", self.customer_reply, self.step_timeout),
            ("ticket", "SLA warning", self.sla_warning, slow),
            ("ticket", "SLA breach", self.sla_breach, slow),
            ("ticket", "escalated to L2 and reassigned", self.escalated, slow),
            ("ticket", "agent resolves", self.resolved, self.step_timeout),
            ("ticket", "survey email", self.survey_email, self.step_timeout),
            ("ticket", "CSAT answered", self.csat_answered, self.step_timeout),
            ("ticket", "customer confirms: closed", self.customer_confirms, self.step_timeout),
        ]

    async def run(self) -> list[StepResult]:
        steps = self.plan()
        total = len(steps)
        for number, (phase, name, action, timeout) in enumerate(steps, start=1):
            self._step, self._deadline, self._last_seen = name, time.monotonic() + timeout, None
            self.progress.begin(number, total, phase, name)
            start = time.monotonic()
            try:
                # A hard stop a little after the step's own deadline, in case a request hangs.
                detail = await asyncio.wait_for(action(), timeout + 15)
            except TimeoutError:
                seconds = time.monotonic() - start
                detail = f"did not happen within {timeout:g}s; last seen: {_short(self._last_seen)}"
                self.progress.fail(number, total, name, seconds, detail)
                raise StepFailed(name, detail) from None
            except StepFailed as failed:
                self.progress.fail(number, total, name, time.monotonic() - start, failed.detail)
                raise
            result = StepResult(number, phase, name, time.monotonic() - start, detail)
            self.results.append(result)
            self.progress.end(result, total)
        return self.results

    # ---- plumbing -------------------------------------------------------------------------------------------------

    def fail(self, detail: str) -> StepFailed:
        return StepFailed(self._step, detail)

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        who: Person | None,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200, 201, 204),
    ) -> JSON:
        client: httpx.AsyncClient = getattr(self.api, service)
        headers = dict(who.headers) if who is not None else {}
        try:
            response = await client.request(method, path, headers=headers, json=json_body, params=params)
        except httpx.HTTPError as error:
            raise self.fail(f"{method} {service}{path}: {type(error).__name__}: {error}") from error
        if response.status_code not in expect:
            raise self.fail(f"{method} {service}{path} answered {response.status_code}: {_short(response.text, 600)}")
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def until(self, check: Callable[[], Awaitable[Any]], waiting_for: str) -> Any:
        """Poll `check` until it returns something truthy; past the step's deadline fail with what was seen last.
        `check` may set `self._last_seen` to describe a near miss."""
        self.progress.waiting(waiting_for)
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() >= self._deadline:
                raise self.fail(f"no {waiting_for} in time; last seen: {_short(self._last_seen)}")
            await asyncio.sleep(self.poll_interval)

    def seen(self, value: Any) -> None:
        self._last_seen = value

    async def ticket(self) -> JSON:
        return await self.call("tickets", "GET", f"/v1/tickets/{self.ticket_id}", self.manager)

    async def sla_view(self) -> JSON | None:
        body = await self.call("sla", "GET", f"/v1/sla/tickets/{self.ticket_id}", self.manager, expect=(200, 404))
        return body if body and "clocks" in body else None

    async def clock(self, metric: str) -> JSON | None:
        view = await self.sla_view()
        if view is None:
            self.seen("no SLA clocks for the ticket yet")
            return None
        clocks = [c for c in view["clocks"] if c["metric"] == metric]
        if not clocks:
            self.seen({"clocks": [(c["metric"], c["state"]) for c in view["clocks"]]})
            return None
        return max(clocks, key=lambda c: c["run"])

    async def inbox(self, who: Person) -> list[JSON]:
        page = await self.call("notify", "GET", "/v1/notifications", who, params={"limit": 100})
        return list(page["items"])

    async def inbox_item(self, who: Person, kind: str) -> JSON | None:
        items = await self.inbox(who)
        found = [n for n in items if n["kind"] == kind and n.get("ticket_id") == self.ticket_id]
        if not found:
            self.seen({f"{who.name}'s inbox kinds": sorted({n["kind"] for n in items})})
        return found[0] if found else None

    async def deliveries(self, recipient: Person) -> list[JSON]:
        page = await self.call(
            "notify",
            "GET",
            "/v1/notifications/deliveries",
            self.manager,
            params={"recipient_id": recipient.user_id, "limit": 100},
        )
        return list(page["items"])

    def agent(self, user_id: str | None) -> Person:
        for person in self.agents.values():
            if person.user_id == user_id:
                return person
        raise self.fail(f"the ticket is assigned to {user_id!r}, who is none of the demo's agents")

    # ---- setup, as the merchant's manager --------------------------------------------------------------------------

    async def seed_calendar(self) -> str:
        calendar = await self.call(
            "sla",
            "POST",
            "/v1/sla/calendars",
            self.manager,
            json_body={"name": "Round the clock", "time_zone": "UTC", "always_open": True},
        )
        self.calendar_id = calendar["id"]
        return f"calendar {calendar['name']!r}, always open (UTC)"

    async def seed_policy(self) -> str:
        t = self.targets
        policy = await self.call(
            "sla",
            "POST",
            "/v1/sla/policies",
            self.manager,
            json_body={
                "name": "High priority: fast lane",
                "priority": "high",
                "first_response_seconds": t.first_response,
                "resolution_seconds": t.resolution,
                "warn_at_percent": t.warn_at_percent,
                "pause_statuses": ["waiting_customer"],
                "calendar_id": self.calendar_id,
                "escalation": [{"level": 2, "after_breach_seconds": 0, "metric": "resolution"}],
            },
        )
        self.policy_id = policy["id"]
        return (
            f"{policy['name']!r} v{policy['version']} (high priority): first response {t.first_response:g}s, "
            f"resolution {t.resolution:g}s, warning at {t.warn_at_percent:g}%, L2 at breach"
        )

    async def seed_groups(self) -> str:
        names = {1: "L1 Frontline", 2: "L2 Specialists", 3: "L3 Engineering"}
        for tier, name in names.items():
            group = await self.call(
                "routing",
                "POST",
                "/v1/groups",
                self.manager,
                json_body={"name": name, "tier": tier, "is_default": tier == 1},
            )
            self.groups[tier] = group["id"]
        return ", ".join(names.values())

    async def seed_agents(self) -> str:
        await self.call(
            "routing",
            "POST",
            "/v1/agents",
            self.manager,
            json_body={
                "user_id": self.manager.user_id,
                "name": self.manager.name,
                "email": self.manager.email,
                "role": "manager",
                "tier": 3,
                "max_concurrent_tickets": 0,
            },
        )
        for person in self.agents.values():
            await self.call(
                "routing",
                "POST",
                "/v1/agents",
                self.manager,
                json_body={
                    "user_id": person.user_id,
                    "name": person.name,
                    "email": person.email,
                    "locale": "en",
                    "tier": person.tier,
                    "group_ids": [self.groups[person.tier]],
                    "max_concurrent_tickets": 5,
                },
            )
        for person in self.agents.values():  # each agent goes online themselves
            await self.call("routing", "PUT", "/v1/agents/me/status", person, json_body={"status": "online"})
        online = await self.call("routing", "GET", "/v1/agents", self.manager, params={"status": "online"})
        ids = {a["user_id"] for a in online["items"]}
        missing = [p.name for p in self.agents.values() if p.user_id not in ids]
        if missing:
            raise self.fail(f"agents not online after setting their status: {missing}")
        return ", ".join(p.name for p in self.agents.values()) + " online; manager in the directory"

    async def seed_rules(self) -> str:
        for level in (1, 2, 3):
            await self.call(
                "routing",
                "POST",
                "/v1/routing/rules",
                self.manager,
                json_body={
                    "name": f"Level {level} tickets to L{level}",
                    "position": level * 10,
                    "conditions": {"escalation_levels": [level]},
                    "group_id": self.groups[level],
                    "strategy": "least_loaded",
                },
            )
        return "level 1 → L1, level 2 → L2, level 3 → L3 (least loaded)"

    async def seed_articles(self) -> str:
        for article in ARTICLES:
            created = await self.call(
                "knowledge",
                "POST",
                "/v1/articles",
                self.manager,
                json_body={
                    "title": article["title"],
                    "body": article["body"],
                    "locale": "en",
                    "tags": article["tags"],
                },
            )
            published = await self.call("knowledge", "POST", f"/v1/articles/{created['id']}/publish", self.manager)
            if published["status"] != "published":
                raise self.fail(f"article {article['title']!r} is {published['status']} after publishing")
            self.articles[str(article["key"])] = created["id"]
        return f"{len(ARTICLES)} articles published (en)"

    async def seed_survey(self) -> str:
        settings = await self.call(
            "feedback",
            "PATCH",
            "/v1/surveys/settings",
            self.manager,
            json_body={"csat": {"enabled": True, "trigger": "resolved", "delay_seconds": self.targets.survey_delay}},
        )
        csat = settings["csat"]
        if not csat["enabled"]:
            raise self.fail(f"CSAT still disabled: {csat}")
        return (
            f"CSAT {csat['scale_min']}-{csat['scale_max']} {csat['delay_seconds']}s after resolution: "
            f"{csat['question']!r}"
        )

    # ---- the ticket's life -----------------------------------------------------------------------------------------

    async def create_ticket(self) -> str:
        ticket = await self.call(
            "tickets",
            "POST",
            "/v1/tickets",
            self.customer,
            json_body={"subject": TICKET_SUBJECT, "description": TICKET_DESCRIPTION, "priority": "high"},
        )
        self.ticket_id, self.ticket_number = ticket["id"], ticket["number"]
        return f"ticket #{ticket['number']} {ticket['subject']!r}, priority {ticket['priority']}, {ticket['status']}"

    async def articles_suggested(self) -> str:
        """knowledge suggests on `ticket.created`; its HTTP API shows that only as the deflection funnel's count of
        new tickets with suggestions (there is no read of one ticket's suggestion), so that count is what we wait
        for; the titles shown are what the same ranking gives for the ticket's text."""
        since = (self.started_at - timedelta(minutes=5)).isoformat()

        async def suggested() -> JSON | None:
            until = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
            report = await self.call(
                "knowledge", "GET", "/v1/kb/deflection", self.manager, params={"from": since, "to": until}
            )
            self.seen({"new_tickets": report["new_tickets"]})
            return report if report["new_tickets"]["suggested"] >= 1 else None

        await self.until(suggested, "suggestion for the new ticket")
        ranked = await self.call(
            "knowledge",
            "GET",
            "/v1/kb/suggest",
            self.manager,
            params={"q": f"{TICKET_SUBJECT}\n{TICKET_DESCRIPTION}", "locale": "en", "limit": 3},
        )
        titles = [a["title"] for a in ranked["articles"]]
        if not titles or ranked["articles"][0]["article_id"] != self.articles["damaged"]:
            raise self.fail(f"the damaged-item article is not the best match: {titles}")
        return f"suggested for the ticket; best match {titles[0]!r}"

    async def auto_assigned(self) -> str:
        level1 = {self.agents["l1a"].user_id, self.agents["l1b"].user_id}

        async def assigned() -> JSON | None:
            ticket = await self.ticket()
            self.seen({k: ticket[k] for k in ("status", "assignee_id", "escalation_level")})
            return ticket if ticket["assignee_id"] in level1 and ticket["status"] == "assigned" else None

        ticket = await self.until(assigned, "assignment to an L1 agent")
        return f"routing chose {self.agent(ticket['assignee_id']).name}; status {ticket['status']}"

    async def public_reply(self) -> str:
        agent = self.agent((await self.ticket())["assignee_id"])
        await self.call(
            "tickets",
            "POST",
            f"/v1/tickets/{self.ticket_id}/messages",
            agent,
            json_body={
                "body": "So sorry about the mug! Could you send us a photo of it and the box? A replacement is ready.",
                "visibility": "public",
            },
        )

        async def met() -> JSON | None:
            clock = await self.clock("first_response")
            if clock is None:
                return None
            self.seen({k: clock[k] for k in ("state", "within_target", "elapsed_business_seconds")})
            return clock if clock["state"] == "met" and clock["within_target"] else None

        clock = await self.until(met, "first response met within target")

        async def moved() -> JSON | None:
            ticket = await self.ticket()
            self.seen({k: ticket[k] for k in ("status", "first_responded_at")})
            return ticket if ticket["status"] == "in_progress" and ticket["first_responded_at"] else None

        await self.until(moved, "ticket in progress with its first response recorded")
        await self.until(lambda: self.inbox_item(self.customer, "agent_reply"), "reply in the customer's inbox")
        return (
            f"{agent.name} replied; first response met after {clock['elapsed_business_seconds']:.1f}s "
            f"of {clock['target_seconds']:g}s; the customer was notified"
        )

    async def internal_note(self) -> str:
        agent = self.agent((await self.ticket())["assignee_id"])
        await self.call(
            "tickets",
            "POST",
            f"/v1/tickets/{self.ticket_id}/messages",
            self.manager,
            json_body={
                "body": f"Courier damage claim filed, ref {self.marker}. Repeat buyer: a goodwill voucher is fine.",
                "visibility": "internal",
            },
        )
        # The manager's note reaching the assignee's inbox proves notify handled it (nobody is notified of their own
        # action, so the manager writes it); only then does the customer's side tell anything.
        await self.until(lambda: self.inbox_item(agent, "internal_note"), f"note notification to {agent.name}")
        messages = await self.call("tickets", "GET", f"/v1/tickets/{self.ticket_id}/messages", self.customer)
        items = messages["items"] if isinstance(messages, dict) else messages
        if self.marker in json.dumps(items) or any(m["visibility"] != "public" for m in items):
            raise self.fail("the customer's view of the conversation shows the internal note")
        inbox = await self.inbox(self.customer)
        leaked = [n for n in inbox if n["kind"] not in CUSTOMER_KINDS or self.marker in json.dumps(n)]
        if leaked:
            raise self.fail(f"the customer's inbox shows staff content: {_short(leaked)}")
        mails = await self.deliveries(self.customer)
        inbox_ids = {n["id"] for n in inbox}
        stray = [d for d in mails if self.marker in json.dumps(d) or d["notification_id"] not in inbox_ids]
        if stray:
            raise self.fail(f"the customer's email log has mail beyond their inbox: {_short(stray)}")
        return (
            f"the manager's note reached {agent.name}; the customer's conversation ({len(items)} messages), inbox "
            f"({len(inbox)}: {', '.join(sorted({n['kind'] for n in inbox}))}) and email log ({len(mails)}) "
            "carry no trace of it"
        )

    async def waiting_on_customer(self) -> str:
        agent = self.agent((await self.ticket())["assignee_id"])
        await self.call(
            "tickets", "POST", f"/v1/tickets/{self.ticket_id}/status", agent, json_body={"status": "waiting_customer"}
        )

        async def paused() -> JSON | None:
            clock = await self.clock("resolution")
            if clock is None:
                return None
            self.seen({k: clock[k] for k in ("state", "elapsed_business_seconds", "due_at")})
            return clock if clock["state"] == "paused" else None

        clock = await self.until(paused, "resolution clock paused")
        await self.until(lambda: self.inbox_item(self.customer, "waiting_on_you"), "'waiting on you' notification")
        return (
            f"resolution clock paused at {clock['elapsed_business_seconds']:.1f}s of {clock['target_seconds']:g}s; "
            "the customer was asked for the photo"
        )

    async def customer_reply(self) -> str:
        await asyncio.sleep(1.0)  # the customer takes a moment to find the photo: paused time costs nothing
        await self.call(
            "tickets",
            "POST",
            f"/v1/tickets/{self.ticket_id}/messages",
            self.customer,
            json_body={"body": "Here is the photo of the broken mug and the crushed box.", "visibility": "public"},
        )

        async def resumed() -> JSON | None:
            ticket = await self.ticket()
            clock = await self.clock("resolution")
            self.seen({"status": ticket["status"], "clock": clock and clock["state"]})
            if ticket["status"] != "in_progress" or clock is None or clock["state"] not in ("running", "breached"):
                return None
            return clock

        clock = await self.until(resumed, "ticket back in progress with the resolution clock running")
        paused = sum(
            (datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])).total_seconds()
            for s in clock["segments"]
            if s["kind"] == "paused" and s["end"]
        )
        return f"ticket in progress again; resolution clock running, due {clock['due_at']} (paused {paused:.1f}s)"

    async def sla_warning(self) -> str:
        async def warned() -> JSON | None:
            clock = await self.clock("resolution")
            ticket = await self.ticket()
            if clock is None:
                return None
            self.seen({"clock": clock["state"], "warned_at": clock["warned_at"], "ticket": ticket["sla_state"]})
            return (clock, ticket) if clock["warned_at"] and ticket["sla_state"] in ("at_risk", "breached") else None

        clock, ticket = await self.until(warned, "SLA warning on the resolution clock")
        return f"resolution at risk (warned at {clock['warned_at'][11:23]}); ticket sla_state {ticket['sla_state']}"

    async def sla_breach(self) -> str:
        async def breached() -> JSON | None:
            clock = await self.clock("resolution")
            ticket = await self.ticket()
            if clock is None:
                return None
            self.seen({"clock": clock["state"], "breached_at": clock["breached_at"], "ticket": ticket["sla_state"]})
            return clock if clock["breached_at"] and ticket["sla_state"] == "breached" else None

        clock = await self.until(breached, "SLA breach of the resolution target")
        await self.until(lambda: self.inbox_item(self.manager, "sla_breached"), "breach notice to the manager")
        return f"resolution breached at {clock['breached_at'][11:23]}; the manager was notified"

    async def escalated(self) -> str:
        level2 = self.agents["l2"].user_id

        async def reassigned() -> JSON | None:
            ticket = await self.ticket()
            self.seen({k: ticket[k] for k in ("escalation_level", "assignee_id", "status")})
            return ticket if ticket["escalation_level"] == 2 and ticket["assignee_id"] == level2 else None

        ticket = await self.until(reassigned, "escalation to level 2 and reassignment to the L2 agent")
        return f"escalated L1 → L2 by the SLA ladder; routing reassigned it to {self.agent(ticket['assignee_id']).name}"

    async def resolved(self) -> str:
        agent = self.agent((await self.ticket())["assignee_id"])
        await self.call(
            "tickets",
            "POST",
            f"/v1/tickets/{self.ticket_id}/messages",
            agent,
            json_body={"body": "A new mug is on its way, tracking to follow. Sorry again!", "visibility": "public"},
        )
        await self.call(
            "tickets", "POST", f"/v1/tickets/{self.ticket_id}/status", agent, json_body={"status": "resolved"}
        )

        async def done() -> JSON | None:
            ticket = await self.ticket()
            clock = await self.clock("resolution")
            self.seen({"status": ticket["status"], "clock": clock and clock["state"]})
            return clock if ticket["status"] == "resolved" and clock and clock["state"] == "met" else None

        clock = await self.until(done, "resolved ticket with its resolution clock met")
        verdict = "within target" if clock["within_target"] else "late"
        return (
            f"{agent.name} resolved it; resolution met {verdict} "
            f"({clock['elapsed_business_seconds']:.1f}s of {clock['target_seconds']:g}s)"
        )

    async def survey_email(self) -> str:
        invitation = await self.until(
            lambda: self.inbox_item(self.customer, "survey_invitation"), "survey invitation for the customer"
        )
        link = invitation.get("link") or ""
        self.survey_token = link.rstrip("/").rsplit("/", 1)[-1] or None
        self.survey_notification_id = invitation["id"]
        if not self.survey_token:
            raise self.fail(f"the survey invitation carries no link: {_short(invitation)}")
        wanted = ("sent",) if self.require_email_sent else ("queued", "sent")

        async def delivery() -> JSON | None:
            mails = [d for d in await self.deliveries(self.customer) if d["notification_id"] == invitation["id"]]
            self.seen(mails)
            if mails and mails[0]["status"] == "failed":
                raise self.fail(f"the survey email failed: {mails[0]['reason']}")
            return mails[0] if mails and mails[0]["status"] in wanted else None

        mail = await self.until(delivery, "survey email in the delivery log")
        note = "" if mail["status"] == "sent" else " (no SMTP server configured: it waits in the log)"
        return f"{mail['subject']!r} to {mail['to_address']}: {mail['status']}{note}"

    async def csat_answered(self) -> str:
        token = self.survey_token
        view = await self.call("feedback", "GET", f"/v1/surveys/{token}", None)
        if view["status"] != "open":
            raise self.fail(f"the survey is {view['status']} before the customer answered")
        await self.call(
            "feedback",
            "POST",
            f"/v1/surveys/{token}/responses",
            None,
            json_body={"score": 5, "comment": "Fast replacement, thank you!"},
            expect=(201,),
        )

        async def answered() -> JSON | None:
            invitations = await self.call(
                "feedback", "GET", f"/v1/surveys/tickets/{self.ticket_id}/invitations", self.manager
            )
            self.seen([(i["survey_type"], i["status"]) for i in invitations])
            return next((i for i in invitations if i["status"] == "answered"), None)

        invitation = await self.until(answered, "answered invitation")
        rated = self.agent(invitation["agent_id"]).name if invitation["agent_id"] else "nobody"
        return f"{view['question']!r} → 5/{view['scale_max']}, credited to {rated}"

    async def customer_confirms(self) -> str:
        await self.call(
            "tickets",
            "POST",
            f"/v1/tickets/{self.ticket_id}/resolution",
            self.customer,
            json_body={"accepted": True},
        )

        async def closed() -> JSON | None:
            ticket = await self.ticket()
            view = await self.sla_view()
            states = [(c["metric"], c["state"]) for c in (view or {}).get("clocks", [])]
            self.seen({"status": ticket["status"], "clocks": states})
            if ticket["status"] != "closed" or not states or any(s not in ("met", "stopped") for _, s in states):
                return None
            return ticket

        ticket = await self.until(closed, "closed ticket with every SLA clock ended")
        return f"closed at {ticket['closed_at'][11:23]} by the customer's confirmation"

    # ---- what a manager reads afterwards ---------------------------------------------------------------------------

    async def history(self) -> list[JSON]:
        """The ticket's audit trail, oldest first."""
        entries: list[JSON] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 200} | ({"cursor": cursor} if cursor else {})
            path = f"/v1/tickets/{self.ticket_id}/history"
            page = await self.call("tickets", "GET", path, self.manager, params=params)
            entries.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return sorted(entries, key=lambda e: (e["ticket_version"], e["at"], e["id"]))

    def who(self, user_id: str | None) -> str:
        everyone = [self.manager, self.customer, *self.agents.values()]
        return next((p.name for p in everyone if p.user_id == user_id), user_id or "-")

    def label(self, value: Any) -> Any:
        """A person's or group's name for its id (for printing the history); anything else as it is."""
        names = {p.user_id: p.name for p in (self.manager, self.customer, *self.agents.values())}
        names |= {group_id: f"L{tier} group" for tier, group_id in self.groups.items()}
        return names.get(value, value) if isinstance(value, str) else value

