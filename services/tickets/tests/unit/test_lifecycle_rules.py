from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_contracts import TicketStatus as S
from helpdesk_tickets.domain.lifecycle import (
    TRANSITIONS,
    ReopenWindowExpired,
    ReplyNotAllowed,
    TransitionNotAllowed,
    check_reply,
    check_transition,
    status_after_reply,
)

NOW = datetime(2026, 1, 10, tzinfo=UTC)


def test_every_status_has_a_row_in_the_table_and_nothing_moves_to_itself():
    assert set(TRANSITIONS) == set(S)
    assert all(status not in targets for status, targets in TRANSITIONS.items())


def test_a_transition_outside_the_table_names_the_allowed_targets():
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(S.CLOSED, S.IN_PROGRESS)
    assert refused.value.allowed == [S.REOPENED]


def test_a_closed_ticket_reopens_only_inside_the_window():
    window = timedelta(days=14)
    check_transition(S.CLOSED, S.REOPENED, closed_at=NOW - timedelta(days=13), now=NOW, reopen_window=window)
    with pytest.raises(ReopenWindowExpired, match="open a new ticket"):
        check_transition(S.CLOSED, S.REOPENED, closed_at=NOW - timedelta(days=15), now=NOW, reopen_window=window)


@pytest.mark.parametrize(
    "current, by_customer, public, expected",
    [
        (S.WAITING_CUSTOMER, True, True, S.IN_PROGRESS),
        (S.RESOLVED, True, True, S.REOPENED),
        (S.CLOSED, True, True, S.REOPENED),
        (S.IN_PROGRESS, True, True, None),
        (S.ASSIGNED, False, True, S.IN_PROGRESS),
        (S.REOPENED, False, True, S.IN_PROGRESS),
        (S.ASSIGNED, False, False, None),
        (S.NEW, False, True, None),
        (S.WAITING_CUSTOMER, False, True, None),
    ],
)
def test_what_a_reply_does_to_the_status(current, by_customer, public, expected):
    assert status_after_reply(current, by_customer=by_customer, public=public) == expected


def test_every_status_a_reply_leads_to_is_allowed_by_the_table():
    for current in S:
        for by_customer in (True, False):
            target = status_after_reply(current, by_customer=by_customer, public=True)
            assert target is None or target in TRANSITIONS[current]


def test_staff_cannot_reply_publicly_on_a_closed_ticket_but_may_add_notes():
    with pytest.raises(ReplyNotAllowed):
        check_reply(S.CLOSED, by_customer=False, public=True)
    check_reply(S.CLOSED, by_customer=False, public=False)
