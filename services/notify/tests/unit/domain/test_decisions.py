"""The who-gets-what table, rule by rule, without I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from helpdesk_contracts import (
    RoutingTicketQueued,
    SlaBreached,
    SlaWarning,
    TicketAssigned,
    TicketCompensationIssued,
    TicketEscalated,
    TicketMessageAdded,
    TicketSnapshot,
    TicketStatusChanged,
)
from helpdesk_contracts.feedback import FeatureRequestStatusChanged, SurveyInvited
from helpdesk_notify.domain.content import CustomerContent, InternalContent, PublicText, StaffContent
from helpdesk_notify.domain.decisions import (
    NOTIFYING_EVENT_TYPES,
    PAYLOADS,
    RULES,
    Facts,
    TicketFacts,
    decide,
    notification_id,
)

TICKET = uuid.uuid4()
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def snapshot(**changes: Any) -> TicketSnapshot:
    values: dict[str, Any] = {
        "ticket_id": TICKET,
        "number": 7,
        "customer_id": "cust-1",
        "subject": "Broken zipper",
        "status": "in_progress",
        "priority": "normal",
        "assignee_id": "agent-1",
        "created_at": NOW,
        "ticket_version": 3,
    }
    return TicketSnapshot(**(values | changes))


def facts(assignee: str | None = "agent-1", managers: tuple[str, ...] = ("mgr-1",), actor: str | None = None) -> Facts:
    return Facts(
        ticket=TicketFacts(TICKET, 7, "Broken zipper", "cust-1", assignee),
        managers=managers,
        actor_id=actor,
        base_url="https://help.example.com",
    )


def message(role: str = "agent", visibility: str = "public", author: str = "agent-1") -> TicketMessageAdded:
    return TicketMessageAdded(
        ticket=snapshot(),
        message_id=uuid.uuid4(),
        visibility=visibility,
        author_id=author,
        author_role=role,
        body="Here is the fix" if visibility == "public" else None,
        actor_id=author,
    )


def who(notices: list[Any]) -> list[tuple[str, str, str]]:
    return [(n.recipient_id, n.audience, n.kind) for n in notices]


def test_an_agents_public_reply_goes_to_the_customer_with_its_body():
    [notice] = decide("ticket.message_added", message(), facts(actor="agent-1"))
    assert (notice.recipient_id, notice.audience, notice.kind) == ("cust-1", "customer", "agent_reply")
    assert isinstance(notice.content, CustomerContent)
    assert notice.content.body == PublicText.of_product("Here is the fix")
    assert notice.content.ticket is not None and notice.content.ticket.number == 7


def test_a_customers_reply_goes_to_the_assignee():
    notices = decide("ticket.message_added", message(role="customer", author="cust-1"), facts(actor="cust-1"))
    assert who(notices) == [("agent-1", "staff", "customer_reply")]


def test_an_internal_note_goes_to_the_assignee_only_and_never_to_the_customer():
    notices = decide("ticket.message_added", message(visibility="internal", author="agent-2"), facts(actor="agent-2"))
    assert who(notices) == [("agent-1", "staff", "internal_note")]
    assert all(isinstance(n.content, StaffContent) for n in notices)


def test_an_internal_note_by_the_assignee_notifies_nobody():
    assert decide("ticket.message_added", message(visibility="internal"), facts(actor="agent-1")) == []


def test_staff_content_never_reaches_the_tickets_customer_even_if_they_are_the_assignee():
    notices = decide("ticket.message_added", message(visibility="internal", author="agent-2"), facts(assignee="cust-1"))
    assert notices == []


def test_public_text_refuses_an_internal_note():
    with pytest.raises(InternalContent):
        PublicText.of_message(message(visibility="internal"))
    with pytest.raises(TypeError):
        PublicText("smuggled")


@pytest.mark.parametrize(
    ("to_status", "expected"),
    [
        ("waiting_customer", [("cust-1", "customer", "waiting_on_you")]),
        ("resolved", [("cust-1", "customer", "resolved_please_confirm")]),
        ("reopened", [("agent-1", "staff", "ticket_reopened")]),
        ("in_progress", []),
        ("closed", []),
    ],
)
def test_status_changes_that_concern_someone(to_status: str, expected: list[tuple[str, str, str]]):
    payload = TicketStatusChanged(ticket=snapshot(status=to_status), from_status="in_progress", to_status=to_status)
    assert who(decide("ticket.status_changed", payload, facts())) == expected


def test_a_new_assignment_goes_to_the_new_assignee_unless_it_is_stale():
    payload = TicketAssigned(ticket=snapshot(assignee_id="agent-2"), assignee_id="agent-2", actor_id="mgr-1")
    assert who(decide("ticket.assigned", payload, facts(assignee="agent-2"))) == [
        ("agent-2", "staff", "assigned_to_you")
    ]
    assert decide("ticket.assigned", payload, facts(assignee="agent-3")) == []


def test_self_assignment_notifies_nobody():
    payload = TicketAssigned(ticket=snapshot(assignee_id="agent-2"), assignee_id="agent-2", actor_id="agent-2")
    assert decide("ticket.assigned", payload, facts(assignee="agent-2", actor="agent-2")) == []


def test_an_escalation_goes_to_the_assignee_and_the_managers_once_each():
    payload = TicketEscalated(ticket=snapshot(), from_level=1, level=2, reason="sla_breach")
    notices = decide("ticket.escalated", payload, facts(managers=("mgr-1", "agent-1", "mgr-2")))
    assert who(notices) == [
        ("agent-1", "staff", "ticket_escalated"),
        ("mgr-1", "staff", "ticket_escalated"),
        ("mgr-2", "staff", "ticket_escalated"),
    ]


def sla(model: type, **changes: Any) -> Any:
    return model(ticket_id=TICKET, metric="first_response", due_at=NOW, at=NOW, business_seconds_used=10.0, **changes)


def test_an_sla_warning_goes_to_the_assignee_or_to_managers_when_nobody_is_assigned():
    assert who(decide("sla.warning", sla(SlaWarning), facts())) == [("agent-1", "staff", "sla_warning")]
    assert who(decide("sla.warning", sla(SlaWarning), facts(assignee=None))) == [("mgr-1", "staff", "sla_warning")]


def test_an_sla_breach_goes_to_the_assignee_and_the_managers():
    assert who(decide("sla.breached", sla(SlaBreached), facts())) == [
        ("agent-1", "staff", "sla_breached"),
        ("mgr-1", "staff", "sla_breached"),
    ]


def test_an_sla_event_for_an_unknown_ticket_still_reaches_managers():
    notices = decide("sla.breached", sla(SlaBreached), Facts(managers=("mgr-1",)))
    assert who(notices) == [("mgr-1", "staff", "sla_breached")]
    assert "a ticket" in notices[0].content.title


def test_a_queued_ticket_goes_to_the_managers():
    payload = RoutingTicketQueued(ticket_id=TICKET, ticket_version=2, reason="nobody online")
    assert who(decide("routing.ticket_queued", payload, facts(assignee=None, managers=("mgr-1", "mgr-2")))) == [
        ("mgr-1", "staff", "ticket_queued"),
        ("mgr-2", "staff", "ticket_queued"),
    ]


def test_a_compensation_tells_the_customer_the_note_and_staff_the_reason():
    payload = TicketCompensationIssued(
        ticket=snapshot(),
        compensation_id=uuid.uuid4(),
        type="voucher",
        amount=Decimal("10"),
        currency="EUR",
        reason="courier lost it",
        customer_note="Sorry!",
        actor_id="agent-9",
    )
    customer, staff = decide("ticket.compensation_issued", payload, facts(actor="agent-9"))
    assert customer.audience == "customer" and customer.content.body_text == "Sorry!"
    assert "courier" not in repr(customer.content)
    assert staff.audience == "staff" and staff.content.body_text == "courier lost it"


def test_a_compensation_without_a_note_tells_the_customer_no_reason():
    payload = TicketCompensationIssued(
        ticket=snapshot(),
        compensation_id=uuid.uuid4(),
        type="refund",
        amount=Decimal("10"),
        currency="EUR",
        reason="secret",
        actor_id="agent-1",
    )
    [customer] = decide("ticket.compensation_issued", payload, facts(actor="agent-1"))
    assert customer.content.body is None and "secret" not in repr(customer.content)


def test_a_survey_invitation_links_the_token():
    payload = SurveyInvited(
        invitation_id=uuid.uuid4(),
        ticket_id=TICKET,
        ticket_number=7,
        survey_type="csat",
        customer_id="cust-1",
        question="How satisfied are you?",
        token="tok123",
        expires_at=NOW + timedelta(days=7),
    )
    [notice] = decide("survey.invited", payload, Facts(base_url="https://help.example.com"))
    assert notice.recipient_id == "cust-1" and notice.audience == "customer"
    assert notice.content.link == "https://help.example.com/surveys/tok123"


def test_a_feature_request_status_change_goes_to_every_voter_once():
    payload = FeatureRequestStatusChanged(
        feature_request_id=uuid.uuid4(),
        title="Dark mode",
        from_status="open",
        status="planned",
        voter_ids=["c1", "c2", "c1"],
    )
    assert who(decide("feature_request.status_changed", payload, Facts())) == [
        ("c1", "customer", "feature_request_status"),
        ("c2", "customer", "feature_request_status"),
    ]


def test_the_table_covers_exactly_the_payloads_it_reads():
    assert set(NOTIFYING_EVENT_TYPES) == set(PAYLOADS)
    assert all(rule.event_type in PAYLOADS for rule in RULES)


def test_notification_ids_are_deterministic_per_event_and_recipient():
    event = uuid.uuid4()
    assert notification_id(event, "a") == notification_id(event, "a")
    assert notification_id(event, "a") != notification_id(event, "b")
    assert notification_id(event, "a") != notification_id(uuid.uuid4(), "a")
