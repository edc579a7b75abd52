"""The feature-request lifecycle and voting rules. Votes freeze once a request is done or declined."""

from __future__ import annotations

from typing import Literal

Status = Literal["open", "under_review", "planned", "in_progress", "done", "declined"]
STATUSES: tuple[Status, ...] = ("open", "under_review", "planned", "in_progress", "done", "declined")
FINAL: frozenset[str] = frozenset({"done", "declined"})


class FeatureRequestError(Exception):
    """A rule of the lifecycle refused the change; the message says why."""


class TransitionNotAllowed(FeatureRequestError):
    def __init__(self, current: str, target: str) -> None:
        self.current, self.target, self.allowed = current, target, allowed_targets(current)
        super().__init__(
            f"a {current} feature request cannot move to {target}"
            + ("" if self.allowed else f"; {current} is final")
        )


class VotesFrozen(FeatureRequestError):
    pass


class MergeRefused(FeatureRequestError):
    pass


def allowed_targets(current: str) -> list[str]:
    """Managers move a request freely among the working statuses (the pipeline is open → under_review → planned
    → in_progress) and end it with done or declined; done and declined are final."""
    if current in FINAL:
        return []
    return [s for s in STATUSES if s != current]


def check_transition(current: str, target: str) -> None:
    if target not in allowed_targets(current):
        raise TransitionNotAllowed(current, target)


def check_votable(status: str, merged_into: object | None) -> None:
    """A vote (or an unvote) needs a request whose votes are not frozen."""
    if merged_into is not None:
        raise VotesFrozen(f"this request was merged into {merged_into}; vote there instead")
    if status in FINAL:
        raise VotesFrozen(f"votes are frozen: this request is {status}")


def check_merge(source_id: object, source_status: str, source_merged_into: object | None,
                target_id: object, target_status: str, target_merged_into: object | None) -> None:
    """A duplicate merges into another live request; neither may be final or already merged."""
    if source_id == target_id:
        raise MergeRefused("a feature request cannot be merged into itself")
    if source_merged_into is not None:
        raise MergeRefused(f"this request is already merged into {source_merged_into}")
    if target_merged_into is not None:
        raise MergeRefused(f"the target is itself merged into {target_merged_into}; merge into that one")
    for name, status in (("this request", source_status), ("the target", target_status)):
        if status in FINAL:
            raise MergeRefused(f"{name} is {status}; its votes are frozen")
