"""The demo's journey as assertions: one ticket's whole life over all six services (real PostgreSQL, RabbitMQ and
SMTP), then what the broker and the mail server saw of it."""

from __future__ import annotations

import uuid
from email.message import Message

from helpdesk_servicekit.devtoken import mint
from helpdesk_servicekit.testing.plugin import TEST_JWT_SECRET

from .journey import Api, Journey, StepResult, Targets


class PrintProgress:
    """Each step's outcome on stdout, which pytest shows when the test fails."""

    def begin(self, number: int, total: int, phase: str, name: str) -> None:
        pass

    def waiting(self, what: str) -> None:
        pass

    def end(self, result: StepResult, total: int) -> None:
        print(f"ok   [{result.number:2}/{total}] {result.name}: {result.seconds:.2f}s  {result.detail}")

    def fail(self, number: int, total: int, name: str, seconds: float, detail: str) -> None:
        print(f"FAIL [{number:2}/{total}] {name}: {seconds:.2f}s  {detail}")


def for_ticket(bodies: list[dict], ticket_id: str) -> list[dict]:
    def ticket_of(payload: dict) -> str | None:
        return payload.get("ticket_id") or (payload.get("ticket") or {}).get("ticket_id")

    return [b for b in bodies if ticket_of(b["payload"]) == ticket_id]


def mail_text(message: Message) -> str:
    """Headers and every decoded text part of a received email."""
    parts = [str(value) for value in message.values()]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


def once_each(bodies: list[dict]) -> list[dict]:
    """The events, with a redelivered copy (same event id) counted once."""
    unique = {b["event_id"]: b for b in bodies}
    return list(unique.values())


async def test_one_ticket_lives_its_whole_life_across_the_six_services(system):
    await a_whole_life(system)


async def test_two_replicas_of_every_service_do_nothing_twice(system_twice):
    """Every service twice on one database, requests spread over both: still one assignment per decision, one
    warning, breach and escalation, one invitation and response, one survey email (the same assertions)."""
    await a_whole_life(system_twice)


async def a_whole_life(system) -> None:  # type: ignore[no-untyped-def]
    api = Api(
        tickets=system.tickets,
        sla=system.sla,
        routing=system.routing,
        knowledge=system.knowledge,
        feedback=system.feedback,
        notify=system.notify,
        mint=lambda sub, merchant, role, claims: mint(
            TEST_JWT_SECRET, sub=sub, merchant_id=merchant, role=role, **claims
        ),
    )
    journey = Journey(
        api,
        f"m-journey-{uuid.uuid4().hex[:8]}",
        targets=Targets(first_response=30, resolution=8, warn_at_percent=50, survey_delay=0),
        progress=PrintProgress(),
        require_email_sent=True,
        step_timeout=25,
    )
    results = await journey.run()
    assert [r.name for r in results] == [name for _, name, _, _ in journey.plan()]

    ticket_id = journey.ticket_id
    assert ticket_id is not None
    tap = system.tap
    assert tap is not None
    await tap.settle(0.5)

    def events(event_type: str) -> list[dict]:
        return once_each(for_ticket(tap.bodies(event_type), ticket_id))

    # knowledge suggested the damaged-item article first, once
    (suggested,) = events("knowledge.articles_suggested")
    assert suggested["payload"]["articles"][0]["article_id"] == journey.articles["damaged"]

    # routing decided twice: an L1 agent, then (after the escalation) the L2 agent; never twice for one version
    decisions = sorted(events("routing.assignment_decided"), key=lambda b: b["payload"]["ticket_version"])
    level1 = {journey.agents["l1a"].user_id, journey.agents["l1b"].user_id}
    assert [d["payload"]["agent_id"] in level1 for d in decisions] == [True, False]
    assert decisions[-1]["payload"]["agent_id"] == journey.agents["l2"].user_id

    # the internal note left tickets without its text
    notes = [m for m in events("ticket.message_added") if m["payload"]["visibility"] == "internal"]
    assert len(notes) == 1 and notes[0]["payload"]["body"] is None

    # the SLA announced each fact once: one warning, one breach and one L2 request on the resolution metric
    for event_type in ("sla.warning", "sla.breached"):
        facts = [e for e in events(event_type) if e["payload"]["metric"] == "resolution"]
        assert len(facts) == 1, (event_type, facts)
    (requested,) = events("sla.escalation_requested")
    assert requested["payload"]["level"] == 2
    (escalated,) = events("ticket.escalated")
    assert escalated["payload"]["reason"] == "sla_breach" and escalated["payload"]["level"] == 2

    # one invitation, answered once, credited to the L2 agent who resolved the ticket
    (invited,) = events("survey.invited")
    assert invited["payload"]["token"] == journey.survey_token
    (responded,) = events("survey.responded")
    assert responded["payload"]["score"] == 5 and responded["payload"]["agent_id"] == journey.agents["l2"].user_id

    # the customer's mail: the survey link arrived; the internal note never did
    mails = system.mailbox.to(journey.customer.email)
    texts = [mail_text(m) for m in mails]
    assert any(journey.survey_token in text for text in texts)
    assert not any(journey.marker in text for text in texts)

    # the audit trail tells the story in order
    fields = [entry["field"] for entry in await journey.history()]
    for expected in ("created", "assignee", "message", "note", "status", "escalation_level", "resolution"):
        assert expected in fields, (expected, fields)
