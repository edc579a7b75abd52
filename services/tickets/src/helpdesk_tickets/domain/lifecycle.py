"""The ticket lifecycle as one transition table (DESIGN §5)."""

from __future__ import annotations

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


def allowed_targets(current: S) -> frozenset[S]:
    return TRANSITIONS[current]


def check_transition(current: S, target: S) -> None:
    """Raise TransitionNotAllowed unless the table allows current → target."""
    if target not in TRANSITIONS[current]:
        raise TransitionNotAllowed(current, target)
