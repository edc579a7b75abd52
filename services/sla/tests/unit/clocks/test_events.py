"""The timer worker builds payloads by hand for speed; each must be exactly what the contract model writes."""

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from helpdesk_contracts import REGISTRY, SlaClockChanged, parse_envelope
from helpdesk_servicekit import outbox
from helpdesk_servicekit.telemetry import correlation_id
from helpdesk_sla.clocks.events import clock_changed_payload, clock_changes, staged as staged_events
from helpdesk_sla.clocks.repository import StoredTicket, mark_of
from helpdesk_sla.domain import BusinessCalendar, Metric, Placement, SlaEvent, SlaEventKind, SlaPolicy, TicketSla

T0 = datetime(2024, 5, 6, 8, 0, 0, 250_000, tzinfo=UTC)


def stored_ticket() -> StoredTicket:
    return StoredTicket(
        merchant_id="m1",
        ticket_id=uuid4(),
        ticket_version=7,
        priority="high",
        category_id=None,
        tags=[],
        created_at=T0,
        sla=TicketSla(),
    )


def event(kind: SlaEventKind, **fields) -> SlaEvent:
    values = dict(
        kind=kind,
        metric=Metric.RESOLUTION,
        run=1,
        policy_id=uuid4(),
        policy_version=3,
        priority="high",
        at=T0,
        due_at=T0 + timedelta(hours=1),
        business_seconds_used=1234.5678912,
        target_seconds=3600,
    )
    return SlaEvent(**(values | fields))


@pytest.mark.parametrize(
    "sla_event",
    [
        event(SlaEventKind.WARNING),
        event(SlaEventKind.BREACHED, breached_at=T0),
        event(SlaEventKind.MET, within_target=True, due_at=None),
        event(SlaEventKind.ESCALATION_REQUESTED, level=3, from_level=2, breached_at=T0),
    ],
    ids=lambda e: e.kind.value,
)
def test_a_hand_built_payload_is_what_the_contract_model_writes(sla_event):
    ticket = stored_ticket()
    [staged] = staged_events(ticket, [sla_event], causation_id="e-1")
    envelope = staged.envelope

    parsed, payload = parse_envelope(envelope)

    assert REGISTRY[(parsed.event_type, parsed.schema_version)] is type(payload)
    assert payload.model_dump(mode="json") == envelope["payload"]
    assert parsed.model_dump(mode="json") | {"payload": envelope["payload"]} == envelope
    assert (parsed.producer, parsed.merchant_id, parsed.causation_id) == ("sla", "m1", "e-1")


def test_staged_events_carry_the_correlation_id_and_are_ordered_by_ticket():
    ticket = stored_ticket()
    token = correlation_id.set("c-9")
    try:
        staged = staged_events(ticket, [event(SlaEventKind.WARNING), event(SlaEventKind.BREACHED)])
    finally:
        correlation_id.reset(token)

    rows = json.loads(outbox.rows_json(staged))
    assert [row["event_type"] for row in rows] == ["sla.warning", "sla.breached"]
    assert {row["partition"] for row in rows} == {outbox.partition_of(str(ticket.ticket_id))}
    assert all(row["headers"]["x-correlation-id"] == "c-9" for row in rows)
    assert all(row["envelope"]["correlation_id"] == "c-9" for row in rows)


def opened_ticket() -> StoredTicket:
    targets = {Metric.FIRST_RESPONSE: 3600, Metric.RESOLUTION: 7200}
    policy = SlaPolicy(id=uuid4(), version=2, priority="high", targets=targets)
    ticket = stored_ticket()
    ticket.sla = TicketSla.opened(Placement(policy, BusinessCalendar.twenty_four_seven()), T0)
    return ticket


def test_a_hand_built_clock_changed_payload_is_what_the_contract_model_writes():
    ticket = opened_ticket()
    for tracked in ticket.sla.clocks:
        payload = clock_changed_payload(ticket, tracked)
        assert SlaClockChanged.model_validate(payload).model_dump(mode="json") == payload
    first = clock_changed_payload(ticket, ticket.sla.clocks[0])
    assert (first["metric"], first["state"], first["run"]) == ("first_response", "running", 1)
    assert (first["policy_version"], first["ticket_version"]) == (2, 7)
    assert first["due_at"] == "2024-05-06T09:00:00.250000Z" and first["at"] == "2024-05-06T08:00:00.250000Z"


def test_clock_changed_goes_out_only_when_a_status_or_due_time_moves():
    ticket = opened_ticket()
    assert [s.envelope["payload"]["metric"] for s in clock_changes(ticket)] == ["first_response", "resolution"]
    ticket.marks = {(t.metric.value, t.run): mark_of(t) for t in ticket.sla.clocks}  # as saving records them

    ticket.sla.fire_due(T0 + timedelta(minutes=50))  # nothing due: the clocks are unchanged
    assert clock_changes(ticket) == []

    ticket.sla.status_is("waiting_customer", T0 + timedelta(minutes=10))  # both pause: no due time while paused
    paused = [s.envelope["payload"] for s in clock_changes(ticket)]
    assert [(p["state"], p["due_at"], p["at"]) for p in paused] == [("paused", None, "2024-05-06T08:10:00.250000Z")] * 2
