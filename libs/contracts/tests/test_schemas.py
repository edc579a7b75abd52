import copy
import uuid
from datetime import UTC, datetime

import pytest

from helpdesk_contracts import (
    PRODUCERS,
    REGISTRY,
    Envelope,
    EventType,
    Priority,
    TicketCreated,
    TicketMessageAdded,
    TicketSnapshot,
    TicketStatus,
    UnknownEvent,
    Visibility,
    envelope_of,
    make_envelope,
    normalize_tag,
    normalize_tags,
    parse_envelope,
    producer_of,
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


def test_adding_an_enum_value_is_reported_as_incompatible():
    """Consumers read strictly: an unknown status would be refused, so a new value needs a new schema_version."""
    old = event_schema(EventType.TICKET_CREATED, 1)
    new = copy.deepcopy(old)
    new["$defs"]["TicketStatus"]["enum"].append("on_hold")
    assert any("enum values added ['on_hold']" in p for p in incompatibilities(old, new))


def test_a_consumer_on_the_current_models_refuses_an_unknown_enum_value():
    """Why the check above exists: the value it guards against makes the event unreadable."""
    envelope = make_envelope(TicketCreated(ticket=a_snapshot()), merchant_id="m1", producer="tickets")
    data = envelope.model_dump(mode="json")
    data["payload"]["ticket"]["status"] = "on_hold"
    with pytest.raises(ValueError, match="status"):
        parse_envelope(data)


def test_the_fast_envelope_equals_the_model_dump():
    payload = TicketCreated(ticket=a_snapshot(description="Zip broke", locale="de-DE"))
    fast = envelope_of(payload, merchant_id="m1", producer="tickets", correlation_id="c-1", causation_id="e-0")
    slow = Envelope.model_validate(fast).model_dump(mode="json")
    assert fast == slow
    model = make_envelope(payload, merchant_id="m1", producer="tickets", correlation_id="c-1", causation_id="e-0")
    assert {k: v for k, v in fast.items() if k not in ("event_id", "occurred_at")} == {
        k: v for k, v in model.model_dump(mode="json").items() if k not in ("event_id", "occurred_at")
    }


def test_every_event_type_has_one_producer_and_a_past_tense_key():
    for (event_type, _), model in REGISTRY.items():
        assert event_type == model.event_type
        assert producer_of(event_type) in PRODUCERS
        assert "." in event_type


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Straße", "strasse"),
        ("STRASSE", "strasse"),
        ("\uff53\uff54\uff52\uff41\uff53\uff53\uff45", "strasse"),  # full-width letters
        ("  Needs  Callback ", "needs-callback"),
    ],
)
def test_tags_normalize_case_width_and_spacing(raw, normalized):
    assert normalize_tag(raw) == normalized
    assert normalize_tags([raw, normalized.upper(), ""]) == [normalized]


def test_the_topology_names_only_registered_events():
    from helpdesk_contracts.topology import unknown_event_types

    assert unknown_event_types() == []


def test_the_architecture_doc_lists_every_event_as_the_contracts_define_it():
    from helpdesk_contracts.catalogue import DOC, render

    committed = DOC.read_text()
    assert render(committed) == committed, "run `make contracts` to regenerate the event catalogue"
