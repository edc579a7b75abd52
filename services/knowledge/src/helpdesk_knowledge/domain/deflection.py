"""The deflection funnel's rules (pure).

A suggestion shown on the ticket form is *followed by a ticket* when the same customer's ticket is created
within DEFLECTION_WINDOW after it; an opened suggestion with no such ticket once the window has passed is
*deflected*; before that it is *pending*.
"""

from __future__ import annotations

from datetime import timedelta

DEFLECTION_WINDOW = timedelta(hours=1)
# Clocks of two services differ a little: a ticket stamped slightly before the suggestion still counts.
CLOCK_SKEW = timedelta(minutes=1)
SUGGESTIONS_PER_TICKET = 3


def deflection_rate(deflected: int, followed_by_ticket: int) -> float | None:
    """Share of settled opened suggestions that ended without a ticket."""
    settled = deflected + followed_by_ticket
    return round(deflected / settled, 4) if settled else None
