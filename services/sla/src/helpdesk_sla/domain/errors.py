"""Errors raised by the SLA domain; the service layer maps them to problem responses."""


class SlaDomainError(Exception):
    """Base of every SLA domain error."""


class CalendarError(SlaDomainError, ValueError):
    """A business calendar is invalid or cannot answer (for example it is never open)."""


class PolicyError(SlaDomainError, ValueError):
    """An SLA policy is invalid."""


class ClockError(SlaDomainError):
    """A clock was asked for a transition its state does not allow."""
