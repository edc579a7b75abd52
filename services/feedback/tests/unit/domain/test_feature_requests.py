"""The feature-request lifecycle: free among working statuses, final at done/declined; votes and merges."""

from __future__ import annotations

import pytest

from helpdesk_feedback.domain.feature_requests import (
    MergeRefused,
    TransitionNotAllowed,
    VotesFrozen,
    allowed_targets,
    check_merge,
    check_transition,
    check_votable,
)


def test_the_pipeline_moves_forward_and_ends_in_done_or_declined():
    for current, target in (("open", "under_review"), ("under_review", "planned"), ("planned", "in_progress"),
                            ("in_progress", "done"), ("open", "declined"), ("planned", "under_review")):
        check_transition(current, target)


@pytest.mark.parametrize("final", ["done", "declined"])
def test_done_and_declined_are_final(final):
    assert allowed_targets(final) == []
    with pytest.raises(TransitionNotAllowed, match="final"):
        check_transition(final, "open")


@pytest.mark.parametrize("final", ["done", "declined"])
def test_votes_freeze_at_a_final_status(final):
    with pytest.raises(VotesFrozen, match=f"frozen: this request is {final}"):
        check_votable(final, None)
    check_votable("in_progress", None)


def test_a_merged_request_takes_no_votes():
    with pytest.raises(VotesFrozen, match="merged into"):
        check_votable("open", "other-id")


def test_merges_need_two_live_distinct_unmerged_requests():
    check_merge("a", "open", None, "b", "planned", None)
    for args in (
        ("a", "open", None, "a", "open", None),
        ("a", "open", "c", "b", "open", None),
        ("a", "open", None, "b", "open", "c"),
        ("a", "done", None, "b", "open", None),
        ("a", "open", None, "b", "declined", None),
    ):
        with pytest.raises(MergeRefused):
            check_merge(*args)
