"""The timer worker builds payloads by hand for speed; each must be exactly what the contract model writes."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from helpdesk_contracts import REGISTRY, parse_envelope
from helpdesk_sla.clocks.events import envelopes, outbox_rows
from helpdesk_sla.clocks.repository import TicketRecord
from helpdesk_sla.domain import Metric, SlaEvent, SlaEventKind, TicketSla

T0 = datetime(2024, 5, 6, 8, 0, 0, 250_000, tzinfo=UTC)


def record() -> TicketRecord:
    return TicketRecord(
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
def test_a_hand_built_envelope_is_what_the_contract_model_writes(sla_event):
    [envelope] = envelopes(record(), [sla_event], correlation_id="c-1", causation_id=None)

    parsed, payload = parse_envelope(envelope)

    assert REGISTRY[(parsed.event_type, parsed.schema_version)] is type(payload)
    assert payload.model_dump(mode="json") == envelope["payload"]
    assert parsed.model_dump(mode="json") | {"payload": envelope["payload"]} == envelope


def test_outbox_rows_carry_the_correlation_id_and_order_by_ticket():
    ticket = record()
    staged = [
        (ticket, envelope)
        for envelope in envelopes(ticket, [event(SlaEventKind.WARNING)], correlation_id="c-9", causation_id=None)
    ]
    [row] = outbox_rows(staged)
    assert row[1:3] == ("m1", "sla.warning")
    assert '"x-correlation-id": "c-9"' in row[5]
