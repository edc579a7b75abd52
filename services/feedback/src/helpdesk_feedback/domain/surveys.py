"""Survey types, their scales and settings, and when a ticket's status change makes (or cancels) an invitation.

An episode is one resolution of a ticket, named by the `ticket_version` of the status change that triggered it:
a duplicate delivery names the same episode, a later resolution after a reopen names a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

SurveyType = Literal["csat", "nps", "ces"]
Trigger = Literal["resolved", "closed"]
SURVEY_TYPES: tuple[SurveyType, ...] = ("csat", "nps", "ces")
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
DONE_STATUSES = frozenset({"resolved", "closed"})
DEFAULT_QUESTIONS: dict[str, str] = {
    "csat": "How satisfied were you with the support you received?",
    "nps": "How likely are you to recommend us to a friend or colleague?",
    "ces": "How easy was it to get your issue resolved?",
}


@dataclass(frozen=True)
class SurveyConfig:
    """A merchant's settings for one survey type."""

    survey_type: SurveyType
    enabled: bool = False
    trigger: Trigger = "resolved"
    delay_seconds: int = 3600
    expiry_seconds: int = 14 * 86_400
    question: str = ""
    include_auto_closed: bool = False

    @classmethod
    def default(cls, survey_type: SurveyType) -> SurveyConfig:
        return cls(survey_type=survey_type, question=DEFAULT_QUESTIONS[survey_type])


def score_in_range(survey_type: str, score: int) -> bool:
    low, high = SCALES[survey_type]
    return low <= score <= high


@dataclass(frozen=True)
class StatusChange:
    """A ticket's status change as the feedback service needs it."""

    version: int
    from_status: str
    to_status: str
    at: datetime
    automatic: bool = False

    @property
    def is_reopen(self) -> bool:
        """Leaving resolved or closed for a working status (a reply or a rejected resolution)."""
        return self.from_status in DONE_STATUSES and self.to_status not in DONE_STATUSES


@dataclass(frozen=True)
class Reopen:
    version: int
    at: datetime


@dataclass(frozen=True)
class PlannedInvitation:
    survey_type: SurveyType
    episode: int
    due_at: datetime
    cancelled_by: Reopen | None = None


def cancels(reopen: Reopen, episode: int, due_at: datetime) -> bool:
    """A reopen after the episode's resolution and before its invitation was due cancels the invitation."""
    return reopen.version > episode and reopen.at < due_at


def first_cancelling(reopens: Iterable[Reopen], episode: int, due_at: datetime) -> Reopen | None:
    """The earliest known reopen that cancels an invitation (reopens may be learnt before the resolution)."""
    matching = [r for r in reopens if cancels(r, episode, due_at)]
    return min(matching, key=lambda r: r.version) if matching else None


def plan_invitations(
    change: StatusChange, configs: Sequence[SurveyConfig], reopens: Iterable[Reopen] = ()
) -> list[PlannedInvitation]:
    """The invitations a status change triggers: one per enabled type whose trigger it is.

    Automatic changes (the tickets service's auto-close, any `system:` actor) only trigger types that include
    them. An invitation a reopen already known to have come before its due time is planned as cancelled.
    """
    known = list(reopens)
    planned: list[PlannedInvitation] = []
    for config in configs:
        if not config.enabled or change.to_status != config.trigger:
            continue
        if change.automatic and not config.include_auto_closed:
            continue
        due_at = change.at + timedelta(seconds=config.delay_seconds)
        cancelled_by = first_cancelling(known, change.version, due_at)
        planned.append(PlannedInvitation(config.survey_type, change.version, due_at, cancelled_by))
    return planned


def is_automatic(actor_id: str | None, actor_role: str | None) -> bool:
    """The tickets service acts as `system:<name>` with no role (auto-close is `system:auto-close`)."""
    return actor_role is None and actor_id is not None and actor_id.startswith("system:")
