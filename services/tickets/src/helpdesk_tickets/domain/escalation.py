"""Escalation levels L1 → L2 → L3: up only."""

from __future__ import annotations

MIN_LEVEL, MAX_LEVEL = 1, 3


class EscalationRefused(Exception):
    pass


def check_manual_escalation(current: int, requested: int) -> None:
    """A manual escalation must raise the level: never a downgrade, never the same level."""
    if not MIN_LEVEL <= requested <= MAX_LEVEL:
        raise EscalationRefused(f"level must be between {MIN_LEVEL} and {MAX_LEVEL}")
    if requested < current:
        raise EscalationRefused(f"the ticket is at level {current}; escalation never downgrades")
    if requested == current:
        raise EscalationRefused(f"the ticket is already at level {current}")


def sla_escalation_target(current: int, requested: int) -> int | None:
    """The level an SLA escalation request raises the ticket to, or None when it is already there."""
    target = min(max(requested, MIN_LEVEL), MAX_LEVEL)
    return target if target > current else None
