import copy
import uuid
from datetime import UTC, datetime

import pytest

from helpdesk_contracts import (
    EventType,
    Priority,
    TicketCreated,
    TicketMessageAdded,
    TicketSnapshot,
    TicketStatus,
    UnknownEvent,
    Visibility,
    make_envelope,
    parse_envelope,
)
from helpdesk_contracts.schemas import check, current_schemas, event_schema, incompatibilities


def a_snapshot(**overrides):
    fields = dict(
        ticket_id=uuid.uuid4(),
        number=1042,
        customer_id="c1",
        subject="Broken zip",
        status=TicketStatus.NEW,
        priority=Priority.NORMAL,
        created_at=datetime.now(UTC),
        ticket_version=1,
    )
    return TicketSnapshot(**(fields | overrides))


def test_committed_schemas_are_still_readable_by_the_current_models():
    assert check() == []


def test_every_registered_event_has_a_committed_schema():
    from helpdesk_contracts.schemas import SCHEMA_DIR

    assert {p.name for p in SCHEMA_DIR.glob("*.json")} == set(current_schemas())


def test_removing_a_field_is_reported_as_incompatible():
    old = event_schema(EventType.TICKET_CREATED, 1)
    new = copy.deepcopy(old)
    del new["$defs"]["TicketSnapshot"]["properties"]["subject"]
    assert any("subject: removed" in p for p in incompatibilities(old, new))


def test_retyping_a_field_is_reported_as_incompatible():
    old = event_schema(EventType.TICKET_CREATED, 1)
    new = copy.deepcopy(old)
    new["$defs"]["TicketSnapshot"]["properties"]["number"] = {"type": "string"}
    assert any("number: type" in p for p in incompatibilities(old, new))


def test_a_newly_required_field_is_reported_as_incompatible():
    old = event_schema(EventType.TICKET_CREATED, 1)
    new = copy.deepcopy(old)
    new["$defs"]["TicketSnapshot"]["properties"]["shoe_size"] = {"type": "integer"}
    new["$defs"]["TicketSnapshot"]["required"].append("shoe_size")
    assert any("shoe_size: newly required" in p for p in incompatibilities(old, new))


def test_an_added_optional_field_is_compatible():
    old = event_schema(EventType.TICKET_CREATED, 1)
    new = copy.deepcopy(old)
    new["$defs"]["TicketSnapshot"]["properties"]["shoe_size"] = {"type": "integer"}
    assert incompatibilities(old, new) == []


def test_an_envelope_round_trips_with_its_typed_payload():
    envelope = make_envelope(TicketCreated(ticket=a_snapshot()), merchant_id="m1", producer="tickets")
    parsed, payload = parse_envelope(envelope.model_dump_json())
    assert parsed.event_id == envelope.event_id
    assert parsed.event_type == "ticket.created"
    assert isinstance(payload, TicketCreated)
    assert payload.ticket.number == 1042


def test_an_unknown_event_type_is_refused():
    envelope = make_envelope(TicketCreated(ticket=a_snapshot()), merchant_id="m1", producer="tickets")
    data = envelope.model_dump(mode="json") | {"event_type": "ticket.exploded"}
    with pytest.raises(UnknownEvent):
        parse_envelope(data)


def test_an_internal_note_event_carries_no_body_by_default():
    note = TicketMessageAdded(
        ticket=a_snapshot(),
        message_id=uuid.uuid4(),
        visibility=Visibility.INTERNAL,
        author_id="a1",
        author_role="agent",
    )
    assert note.body is None
