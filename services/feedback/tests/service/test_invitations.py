"""Invitations: one per enabled type and resolution episode after the delay; a reopen first cancels it."""

from __future__ import annotations

import asyncio
import uuid

from helpdesk_contracts import make_envelope

from ..harness import TicketStream, a_merchant, eventually


async def test_a_resolved_ticket_gets_one_invitation_per_enabled_type_after_the_delay(feedback):
    merchant = a_merchant()
    await feedback.configure(
        merchant,
        csat={"enabled": True, "delay_seconds": 1},
        nps={"enabled": True, "delay_seconds": 1, "question": "Would you recommend Acme?"},
    )
    ticket = TicketStream(feedback, merchant, category_id=uuid.uuid4())
    await ticket.created()
    await ticket.resolved()

    pending = await feedback.invitations(ticket)
    assert sorted(i["survey_type"] for i in pending) == ["csat", "nps"]
    assert {i["status"] for i in pending} == {"scheduled"}
    assert await feedback.staged(merchant, "survey.invited") == []

    invited = await feedback.wait_staged(merchant, "survey.invited", count=2, ticket_id=ticket.id)
    assert sorted(p["survey_type"] for p in invited) == ["csat", "nps"]
    nps = next(p for p in invited if p["survey_type"] == "nps")
    assert nps["question"] == "Would you recommend Acme?"
    assert nps["customer_email"] == "ada@example.com" and nps["customer_name"] == "Ada" and nps["locale"] == "en"
    assert nps["customer_id"] == "cust-1" and nps["ticket_number"] == 1042
    assert all(len(p["token"]) >= 43 for p in invited) and len({p["token"] for p in invited}) == 2
    sent = await feedback.invitations(ticket)
    assert {i["status"] for i in sent} == {"sent"}
    assert all(i["agent_id"] == "agent-1" for i in sent)
    assert not any(p["survey_type"] == "ces" for p in await feedback.staged(merchant, "survey.invited"))


async def test_the_invitation_is_published_on_the_broker(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 0})
    ticket = TicketStream(feedback, merchant, via_broker=True)
    await ticket.created()
    await ticket.resolved()

    published = await eventually(lambda: feedback.published("survey.invited", ticket_id=ticket.id), timeout=15)
    assert published[0]["survey_type"] == "csat"


async def test_a_reopen_before_the_delay_cancels_the_invitation_and_nothing_is_sent(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 1})
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    await ticket.resolved()
    await ticket.moved("reopened", actor_id="cust-1", actor_role="customer")

    cancelled = await feedback.wait_staged(merchant, "survey.cancelled", ticket_id=ticket.id)
    assert cancelled[0]["reason"] == "reopened" and cancelled[0]["survey_type"] == "csat"
    await asyncio.sleep(1.5)  # past the original due time
    assert await feedback.staged(merchant, "survey.invited") == []
    assert [i["status"] for i in await feedback.invitations(ticket)] == ["cancelled"]


async def test_a_resolution_after_a_reopen_is_a_new_episode_with_its_own_invitation(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 0})
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    first = await ticket.resolved()
    await feedback.wait_staged(merchant, "survey.invited", ticket_id=ticket.id)
    await ticket.moved("reopened", actor_id="cust-1", actor_role="customer")
    second = await ticket.resolved()

    invited = await feedback.wait_staged(merchant, "survey.invited", count=2, ticket_id=ticket.id)
    assert len({p["invitation_id"] for p in invited}) == 2
    episodes = sorted(i["episode"] for i in await feedback.invitations(ticket))
    assert episodes == [first.payload["ticket"]["ticket_version"], second.payload["ticket"]["ticket_version"]]
    assert await feedback.staged(merchant, "survey.cancelled") == []  # the first was already sent


async def test_a_duplicate_status_change_creates_one_invitation(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 0})
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    envelope = await ticket.resolved()
    payload = ticket.sent[-1][1]

    assert await ticket.feed(envelope, payload) is False  # the same delivery again: the inbox skips it
    republished = make_envelope(payload, merchant_id=merchant, producer="tickets")  # same fact, new event id
    assert await ticket.feed(republished, payload) is True

    await feedback.wait_staged(merchant, "survey.invited", ticket_id=ticket.id)
    await asyncio.sleep(0.3)
    assert len(await feedback.invitations(ticket)) == 1
    assert len(await feedback.staged(merchant, "survey.invited")) == 1


async def test_a_reopen_that_arrives_before_its_resolution_still_cancels_the_invitation(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 60})
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    await ticket.moved("in_progress")
    resolved = await ticket.emit_status("resolved", feed=False)
    await ticket.moved("reopened", actor_id="cust-1", actor_role="customer")
    await ticket.feed(*resolved)

    invitations = await feedback.invitations(ticket)
    assert [(i["status"], i["cancelled_reason"]) for i in invitations] == [("cancelled", "reopened")]
    assert len(await feedback.staged(merchant, "survey.cancelled", ticket_id=ticket.id)) == 1


async def test_auto_closed_tickets_get_a_survey_only_when_the_merchant_wants_it(feedback):
    merchant = a_merchant()
    await feedback.configure(
        merchant,
        csat={"enabled": True, "delay_seconds": 0, "trigger": "closed"},
        ces={"enabled": True, "delay_seconds": 0, "trigger": "closed", "include_auto_closed": True},
    )
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    await ticket.resolved()
    assert await feedback.invitations(ticket) == []  # both wait for the close
    await ticket.moved("closed", actor_id="system:auto-close", actor_role=None)

    invited = await feedback.wait_staged(merchant, "survey.invited", ticket_id=ticket.id)
    await asyncio.sleep(0.3)
    assert [p["survey_type"] for p in await feedback.staged(merchant, "survey.invited")] == ["ces"]
    assert invited[0]["survey_type"] == "ces"


async def test_a_customer_confirming_the_resolution_triggers_closed_surveys(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, nps={"enabled": True, "delay_seconds": 0, "trigger": "closed"})
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    await ticket.resolved()
    await ticket.moved("closed", actor_id="cust-1", actor_role="customer")

    invited = await feedback.wait_staged(merchant, "survey.invited", ticket_id=ticket.id)
    assert invited[0]["survey_type"] == "nps"


async def test_nothing_is_planned_while_every_survey_is_disabled(feedback):
    merchant = a_merchant()
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    await ticket.resolved()
    assert await feedback.invitations(ticket) == []


async def test_an_invitation_takes_the_assignee_and_category_the_ticket_has_when_it_is_sent(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 1})
    category = uuid.uuid4()
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    await ticket.assigned("agent-7")
    await ticket.resolved()
    await ticket.recategorized(category)

    await feedback.wait_staged(merchant, "survey.invited", ticket_id=ticket.id)
    [invitation] = await feedback.invitations(ticket)
    assert invitation["agent_id"] == "agent-7" and invitation["category_id"] == str(category)


async def test_a_type_disabled_before_its_invitation_is_due_cancels_it(feedback):
    merchant = a_merchant()
    await feedback.configure(merchant, csat={"enabled": True, "delay_seconds": 1})
    ticket = TicketStream(feedback, merchant)
    await ticket.created()
    await ticket.resolved()
    await feedback.configure(merchant, csat={"enabled": False})

    [cancelled] = await feedback.wait_staged(merchant, "survey.cancelled", ticket_id=ticket.id)
    assert cancelled["reason"] == "disabled"
    assert await feedback.staged(merchant, "survey.invited") == []
