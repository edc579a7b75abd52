"""The directory and the ticket projection from events that arrive out of order and twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from helpdesk_contracts import SlaBreached
from helpdesk_contracts.feedback import SurveyInvited

from ..harness import TicketStory, a_merchant, applied, eventually, publish, staff, text_of


async def test_a_late_older_ticket_event_does_not_roll_the_projection_back(notify, publisher, mailbox):
    merchant = a_merchant()
    await applied(
        notify.sessions,
        await staff(publisher, merchant, "agent-new", email_address="new@shop.example"),
        await staff(publisher, merchant, "mgr-1", role="manager", email_address="boss@shop.example"),
    )
    ticket = TicketStory(None, merchant)  # build the events, publish them in another order
    created = await ticket.created()
    await ticket.assigned("agent-old")
    reassigned = await ticket.assigned("agent-new")
    for envelope in (reassigned, created):  # v3 first, then v1; v2 (to agent-old) never arrives
        await publisher.publish_envelope(envelope)
    await applied(notify.sessions, reassigned, created)
    breach = await publish(
        publisher,
        SlaBreached(ticket_id=ticket.id, metric="first_response", at=datetime.now(UTC), business_seconds_used=60.0),
        merchant,
        "sla",
    )
    await applied(notify.sessions, breach)
    kinds = [n["kind"] for n in await notify.inbox("agent-new", merchant, "agent")]
    assert kinds == ["sla_breached", "assigned_to_you"]
    assert [n["ticket_number"] for n in await notify.inbox("mgr-1", merchant, "manager")] == [1042]
    assert await notify.inbox("agent-old", merchant, "agent") == []
    await eventually(lambda: mailbox.to("boss@shop.example"))
    assert mailbox.to("boss@shop.example")[0]["Subject"].startswith("[#1042] SLA breached")


async def test_an_older_directory_entry_never_overwrites_a_newer_one(notify, publisher, mailbox):
    merchant = a_merchant()
    newer = await staff(publisher, merchant, "agent-1", email_address="current@shop.example", version=2)
    await applied(notify.sessions, newer)
    older = await staff(publisher, merchant, "agent-1", email_address="old@shop.example", version=1)
    await applied(notify.sessions, older)
    ticket = TicketStory(publisher, merchant)
    await applied(notify.sessions, await ticket.created())
    await applied(notify.sessions, await ticket.assigned("agent-1"))
    await eventually(lambda: mailbox.to("current@shop.example"))
    assert mailbox.to("old@shop.example") == []


async def test_a_survey_invitation_is_emailed_with_its_token_link(notify, publisher, mailbox):
    merchant = a_merchant()
    invited = await publish(
        publisher,
        SurveyInvited(
            invitation_id=uuid.uuid4(), ticket_id=uuid.uuid4(), ticket_number=77, survey_type="csat",
            customer_id="cust-9", customer_email="surveyed@example.com", question="How did we do?",
            token="tok-abc", expires_at=datetime.now(UTC) + timedelta(days=7),
        ),
        merchant,
        "feedback",
    )
    await applied(notify.sessions, invited)
    [mail] = await eventually(lambda: mailbox.to("surveyed@example.com"))
    assert mail["Subject"].startswith("[#77]")
    assert "https://help.example.com/surveys/tok-abc" in text_of(mail)
