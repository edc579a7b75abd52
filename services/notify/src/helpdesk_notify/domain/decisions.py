"""Who gets what: one table of rules from an event to recipients and content. Pure: no I/O, no clock.

Channels are decided afterwards, per recipient, by their preferences (`preferences.channels_for`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from helpdesk_contracts import (
    Role,
    RoutingTicketQueued,
    SlaBreached,
    SlaWarning,
    TicketAssigned,
    TicketCompensationIssued,
    TicketEscalated,
    TicketMessageAdded,
    TicketStatus,
    TicketStatusChanged,
    Visibility,
)
from helpdesk_contracts.feedback import FeatureRequestStatusChanged, SurveyInvited
from helpdesk_notify.domain.content import CustomerContent, Notice, PublicText, StaffContent, TicketRef

NOTIFICATION_ID_NAMESPACE = uuid.UUID("6f1c5d0e-8a8e-4a53-9d55-0e4c8e1c7a13")


def notification_id(event_id: uuid.UUID, recipient_id: str) -> uuid.UUID:
    """The same event for the same recipient always gets the same id, so a duplicate creates nothing."""
    return uuid.uuid5(NOTIFICATION_ID_NAMESPACE, f"{event_id}:{recipient_id}")


@dataclass(frozen=True)
class TicketFacts:
    """The newest known state of the ticket an event is about (the event's own snapshot or notify's projection)."""

    ticket_id: uuid.UUID
    number: int | None = None
    subject: str | None = None
    customer_id: str | None = None
    assignee_id: str | None = None


@dataclass(frozen=True)
class Facts:
    """Everything besides the payload a rule may look at."""

    ticket: TicketFacts | None = None
    managers: tuple[str, ...] = ()
    actor_id: str | None = None
    base_url: str = ""


CustomerWho = Literal["customer", "voters", "invitee"]
StaffWho = Literal["assignee", "managers"]


@dataclass(frozen=True)
class CustomerRule:
    event_type: str
    who: CustomerWho
    when: Callable[[Any, Facts], bool]
    content: Callable[[Any, Facts], CustomerContent]


@dataclass(frozen=True)
class StaffRule:
    event_type: str
    who: StaffWho
    when: Callable[[Any, Facts], bool]
    content: Callable[[Any, Facts], StaffContent]


Rule = CustomerRule | StaffRule


def _ref(facts: Facts) -> TicketRef | None:
    t = facts.ticket
    return TicketRef(t.ticket_id, t.number, t.subject) if t else None


def _label(facts: Facts) -> str:
    return f"#{facts.ticket.number}" if facts.ticket and facts.ticket.number is not None else "a ticket"


def _subject(facts: Facts) -> str:
    return f": {facts.ticket.subject}" if facts.ticket and facts.ticket.subject else ""


def _link(facts: Facts) -> str | None:
    return f"{facts.base_url}/tickets/{facts.ticket.ticket_id}" if facts.ticket else None


def _always(payload: Any, facts: Facts) -> bool:
    return True


def _by_staff(p: TicketMessageAdded, f: Facts) -> bool:
    return p.visibility is Visibility.PUBLIC and p.author_role is not Role.CUSTOMER


def _by_customer(p: TicketMessageAdded, f: Facts) -> bool:
    return p.visibility is Visibility.PUBLIC and p.author_role is Role.CUSTOMER


def _internal(p: TicketMessageAdded, f: Facts) -> bool:
    return p.visibility is Visibility.INTERNAL


def _moved_to(status: TicketStatus) -> Callable[[TicketStatusChanged, Facts], bool]:
    return lambda p, f: p.to_status is status


def _still_assigned(p: TicketAssigned, f: Facts) -> bool:
    """A stale assignment (the ticket has moved to someone else since) notifies nobody."""
    assignee = p.assignee_id or p.ticket.assignee_id
    return assignee is not None and (f.ticket is None or f.ticket.assignee_id == assignee)


def _unassigned(p: Any, f: Facts) -> bool:
    return f.ticket is None or f.ticket.assignee_id is None


def _customer(
    kind: str,
    title: Callable[[Any, Facts], str],
    body: Callable[[Any, Facts], PublicText | None],
    facts: Callable[[Any, Facts], tuple[tuple[str, str], ...]] = lambda p, f: (),
) -> Callable[[Any, Facts], CustomerContent]:
    return lambda p, f: CustomerContent(
        kind=kind, title=title(p, f), body=body(p, f), ticket=_ref(f), link=_link(f), facts=facts(p, f)
    )


def _staff(
    kind: str,
    title: Callable[[Any, Facts], str],
    body: Callable[[Any, Facts], str | None] = lambda p, f: None,
    facts: Callable[[Any, Facts], tuple[tuple[str, str], ...]] = lambda p, f: (),
) -> Callable[[Any, Facts], StaffContent]:
    return lambda p, f: StaffContent(
        kind=kind, title=title(p, f), body=body(p, f), ticket=_ref(f), link=_link(f), facts=facts(p, f)
    )


def _compensation_facts(p: TicketCompensationIssued, f: Facts) -> tuple[tuple[str, str], ...]:
    return (("type", p.type.value), ("amount", f"{p.amount} {p.currency}"))


def _sla_facts(p: SlaWarning | SlaBreached, f: Facts) -> tuple[tuple[str, str], ...]:
    due = (("due_at", p.due_at.isoformat()),) if p.due_at else ()
    return (("metric", p.metric.value), *due)


def _survey(p: SurveyInvited, f: Facts) -> CustomerContent:
    number = p.ticket_number if p.ticket_number is not None else (f.ticket.number if f.ticket else None)
    return CustomerContent(
        kind="survey_invitation",
        title=f"How did we do on ticket #{number}?" if number is not None else "How did we do?",
        body=PublicText.of_product(p.question),
        ticket=TicketRef(p.ticket_id, number, f.ticket.subject if f.ticket else None),
        link=f"{f.base_url}/surveys/{p.token}",
        facts=(("expires_at", p.expires_at.isoformat()),),
    )


def _feature_request(p: FeatureRequestStatusChanged, f: Facts) -> CustomerContent:
    status = p.status.replace("_", " ")
    return CustomerContent(
        kind="feature_request_status",
        title=f'Feature request "{p.title}" is now {status}',
        body=PublicText.of_product(p.title),
        link=f"{f.base_url}/feature-requests/{p.feature_request_id}",
        facts=(("status", p.status), ("previous_status", p.from_status)),
    )


RULES: tuple[Rule, ...] = (
    # The customer.
    CustomerRule(
        "ticket.message_added",
        "customer",
        _by_staff,
        _customer(
            "agent_reply",
            lambda p, f: f"New reply on ticket {_label(f)}{_subject(f)}",
            lambda p, f: PublicText.of_message(p),
        ),
    ),
    CustomerRule(
        "ticket.status_changed",
        "customer",
        _moved_to(TicketStatus.WAITING_CUSTOMER),
        _customer(
            "waiting_on_you",
            lambda p, f: f"Ticket {_label(f)} is waiting for your reply",
            lambda p, f: PublicText.of_product("We need a little more information from you to go on."),
        ),
    ),
    CustomerRule(
        "ticket.status_changed",
        "customer",
        _moved_to(TicketStatus.RESOLVED),
        _customer(
            "resolved_please_confirm",
            lambda p, f: f"Ticket {_label(f)} was resolved: please confirm",
            lambda p, f: PublicText.of_product("Please confirm the resolution, or tell us what is still missing."),
        ),
    ),
    CustomerRule(
        "ticket.compensation_issued",
        "customer",
        _always,
        _customer(
            "compensation_issued",
            lambda p, f: f"Compensation issued on ticket {_label(f)}",
            lambda p, f: PublicText.of_compensation(p),
            _compensation_facts,
        ),
    ),
    CustomerRule("survey.invited", "invitee", _always, _survey),
    CustomerRule("feature_request.status_changed", "voters", _always, _feature_request),
    # The assignee.
    StaffRule(
        "ticket.assigned",
        "assignee",
        _still_assigned,
        _staff("assigned_to_you", lambda p, f: f"Ticket {_label(f)} was assigned to you{_subject(f)}"),
    ),
    StaffRule(
        "ticket.message_added",
        "assignee",
        _by_customer,
        _staff(
            "customer_reply", lambda p, f: f"Customer replied on ticket {_label(f)}{_subject(f)}", lambda p, f: p.body
        ),
    ),
    StaffRule(
        "ticket.message_added",
        "assignee",
        _internal,
        _staff("internal_note", lambda p, f: f"Internal note on ticket {_label(f)}{_subject(f)}"),
    ),
    StaffRule(
        "ticket.status_changed",
        "assignee",
        _moved_to(TicketStatus.REOPENED),
        _staff("ticket_reopened", lambda p, f: f"Ticket {_label(f)} was reopened{_subject(f)}"),
    ),
    StaffRule(
        "ticket.compensation_issued",
        "assignee",
        _always,
        _staff(
            "compensation_issued",
            lambda p, f: f"Compensation issued on ticket {_label(f)}",
            lambda p, f: p.reason,
            _compensation_facts,
        ),
    ),
    StaffRule(
        "ticket.escalated",
        "assignee",
        _always,
        _staff(
            "ticket_escalated",
            lambda p, f: f"Ticket {_label(f)} escalated to level {p.level}",
            lambda p, f: f"Reason: {p.reason.value.replace('_', ' ')}",
        ),
    ),
    StaffRule(
        "sla.warning",
        "assignee",
        _always,
        _staff(
            "sla_warning",
            lambda p, f: f"SLA warning on ticket {_label(f)}: {p.metric.value.replace('_', ' ')}",
            facts=_sla_facts,
        ),
    ),
    StaffRule(
        "sla.breached",
        "assignee",
        _always,
        _staff(
            "sla_breached",
            lambda p, f: f"SLA breached on ticket {_label(f)}: {p.metric.value.replace('_', ' ')}",
            facts=_sla_facts,
        ),
    ),
    # Managers of the merchant.
    StaffRule(
        "ticket.escalated",
        "managers",
        _always,
        _staff(
            "ticket_escalated",
            lambda p, f: f"Ticket {_label(f)} escalated to level {p.level}",
            lambda p, f: f"Reason: {p.reason.value.replace('_', ' ')}",
        ),
    ),
    StaffRule(
        "sla.breached",
        "managers",
        _always,
        _staff(
            "sla_breached",
            lambda p, f: f"SLA breached on ticket {_label(f)}: {p.metric.value.replace('_', ' ')}",
            facts=_sla_facts,
        ),
    ),
    StaffRule(
        "sla.warning",
        "managers",
        _unassigned,
        _staff(
            "sla_warning",
            lambda p, f: f"SLA warning on unassigned ticket {_label(f)}: {p.metric.value.replace('_', ' ')}",
            facts=_sla_facts,
        ),
    ),
    StaffRule(
        "routing.ticket_queued",
        "managers",
        _always,
        _staff(
            "ticket_queued",
            lambda p, f: f"Ticket {_label(f)} is queued: nobody available can take it",
            lambda p, f: p.reason,
        ),
    ),
)

NOTIFYING_EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(rule.event_type for rule in RULES))
CUSTOMER_EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(r.event_type for r in RULES if isinstance(r, CustomerRule)))
STAFF_EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(r.event_type for r in RULES if isinstance(r, StaffRule)))

# The payload models the rules read, so a test can check the table against the contracts.
PAYLOADS: dict[str, type] = {
    "ticket.message_added": TicketMessageAdded,
    "ticket.status_changed": TicketStatusChanged,
    "ticket.assigned": TicketAssigned,
    "ticket.escalated": TicketEscalated,
    "ticket.compensation_issued": TicketCompensationIssued,
    "sla.warning": SlaWarning,
    "sla.breached": SlaBreached,
    "routing.ticket_queued": RoutingTicketQueued,
    "survey.invited": SurveyInvited,
    "feature_request.status_changed": FeatureRequestStatusChanged,
}


def _customer_recipients(who: CustomerWho, payload: Any, facts: Facts) -> Iterable[str | None]:
    if who == "customer":
        return [facts.ticket.customer_id if facts.ticket else None]
    if who == "invitee":
        return [payload.customer_id]
    return list(payload.voter_ids)


def _staff_recipients(who: StaffWho, payload: Any, facts: Facts) -> Iterable[str | None]:
    if who == "assignee":
        if isinstance(payload, TicketAssigned):
            return [payload.assignee_id or payload.ticket.assignee_id]
        return [facts.ticket.assignee_id if facts.ticket else None]
    return facts.managers


def decide(event_type: str, payload: Any, facts: Facts) -> list[Notice]:
    """Every (recipient, content) an event causes: one notice per recipient, never the actor themself."""
    notices: list[Notice] = []
    seen: set[str] = set()
    customer_id = facts.ticket.customer_id if facts.ticket else None
    for rule in RULES:
        if rule.event_type != event_type or not rule.when(payload, facts):
            continue
        if isinstance(rule, CustomerRule):
            recipients = _customer_recipients(rule.who, payload, facts)
        else:
            # Staff content never goes to the ticket's customer, whatever the directory says.
            recipients = [r for r in _staff_recipients(rule.who, payload, facts) if r != customer_id]
        for recipient in recipients:
            if not recipient or recipient == facts.actor_id or recipient in seen:
                continue
            seen.add(recipient)
            notices.append(Notice(recipient, rule.content(payload, facts)))
    return notices
