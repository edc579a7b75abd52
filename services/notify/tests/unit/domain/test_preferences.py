from __future__ import annotations

from helpdesk_contracts import Role
from helpdesk_notify.domain.preferences import channels_for, matrix, resolve


def test_everything_is_on_by_default_for_customers():
    assert channels_for(Role.CUSTOMER, "ticket.message_added", {}, {}) == ("in_app", "websocket", "email")


def test_role_defaults_turn_some_email_off():
    assert channels_for(Role.AGENT, "sla.warning", {}, {}) == ("in_app", "websocket")
    assert channels_for(Role.MANAGER, "routing.ticket_queued", {}, {}) == ("in_app", "websocket")


def test_a_users_choice_beats_the_merchant_default_which_beats_the_built_in_one():
    merchant = {("sla.warning", "email"): True, ("sla.breached", "websocket"): False}
    user = {("sla.warning", "email"): False}
    assert resolve(Role.AGENT, "sla.warning", "email", merchant, user) == (False, "user")
    assert resolve(Role.AGENT, "sla.breached", "websocket", merchant, user) == (False, "merchant")
    assert resolve(Role.AGENT, "sla.breached", "email", merchant, user) == (True, "default")


def test_the_matrix_lists_every_event_type_and_channel():
    rows = matrix(Role.CUSTOMER, {}, {})
    assert len(rows) == len({(e, c) for e, c, _, _ in rows})
    assert ("ticket.message_added", "email", True, "default") in rows


def test_the_matrix_shows_each_role_only_what_can_reach_it():
    customer = {e for e, _, _, _ in matrix(Role.CUSTOMER, {}, {})}
    agent = {e for e, _, _, _ in matrix(Role.AGENT, {}, {})}
    assert "survey.invited" in customer and "sla.warning" not in customer
    assert "sla.warning" in agent and "survey.invited" not in agent
