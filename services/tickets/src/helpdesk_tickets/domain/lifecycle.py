"""The ticket lifecycle as one transition table (docs/architecture.md §5), and what a reply does to its status."""

from __future__ import annotations

from datetime import datetime, timedelta

from helpdesk_contracts import TicketStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED}),
    S.ASSIGNED: frozenset({S.NEW, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED}),
    S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.WAITING_THIRD_PARTY, S.RESOLVED}),
    S.WAITING_THIRD_PARTY: frozenset({S.IN_PROGRESS, S.WAITING_CUSTOMER, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY, S.RESOLVED}),
}

OPEN_STATUSES = frozenset(S) - {S.RESOLVED, S.CLOSED}


class TransitionNotAllowed(Exception):
    def __init__(self, current: S, target: S) -> None:
        self.current, self.target = current, target
        self.allowed = sorted(TRANSITIONS[current])
        super().__init__(
            f"a ticket in {current.value} cannot move to {target.value};"
            f" allowed: {', '.join(s.value for s in self.allowed) or 'none'}"
        )


class ReopenWindowExpired(Exception):
    """A closed ticket past the merchant's reopen window stays closed: the customer opens a new one."""

    def __init__(self, closed_at: datetime, window: timedelta) -> None:
        self.closed_at, self.window = closed_at, window
        super().__init__(
            f"this ticket was closed on {closed_at.isoformat()} and can no longer be reopened"
            f" (reopen window: {_human(window)}); please open a new ticket"
        )


class ReplyNotAllowed(Exception):
    pass


def allowed_targets(current: S) -> frozenset[S]:
    return TRANSITIONS[current]


def check_transition(
    current: S,
    target: S,
    *,
    closed_at: datetime | None = None,
    now: datetime | None = None,
    reopen_window: timedelta | None = None,
) -> None:
    """Raise unless the table allows current → target (and a closed ticket is still inside its reopen window)."""
    if target not in TRANSITIONS[current]:
        raise TransitionNotAllowed(current, target)
    if current is S.CLOSED and target is S.REOPENED and closed_at and now and reopen_window is not None:
        if now - closed_at > reopen_window:
            raise ReopenWindowExpired(closed_at, reopen_window)


def status_after_reply(current: S, *, by_customer: bool, public: bool) -> S | None:
    """The status a new message moves the ticket to, or None when it stays.

    A customer's reply on a ticket waiting for them puts it back in progress; on a resolved or closed
    one it reopens it. A public staff reply on an assigned or reopened ticket means work has started.
    Internal notes never move a ticket.
    """
    if not public:
        return None
    if by_customer:
        if current is S.WAITING_CUSTOMER:
            return S.IN_PROGRESS
        if current in (S.RESOLVED, S.CLOSED):
            return S.REOPENED
        return None
    if current in (S.ASSIGNED, S.REOPENED):
        return S.IN_PROGRESS
    return None


def check_reply(current: S, *, by_customer: bool, public: bool) -> None:
    """Staff reopen a closed ticket explicitly before replying publicly on it; notes are always allowed."""
    if public and not by_customer and current is S.CLOSED:
        raise ReplyNotAllowed("this ticket is closed; reopen it before replying to the customer")


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
