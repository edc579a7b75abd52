"""When a status change plans an invitation, and when a reopen cancels one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from helpdesk_feedback.domain.surveys import (
    Reopen,
    StatusChange,
    SurveyConfig,
    is_automatic,
    plan_invitations,
    score_in_range,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CSAT = replace(SurveyConfig.default("csat"), enabled=True, delay_seconds=600)
NPS = replace(SurveyConfig.default("nps"), enabled=True, delay_seconds=60, trigger="closed")
CES = SurveyConfig.default("ces")  # disabled


def resolved(version: int = 5, at: datetime = T0, automatic: bool = False) -> StatusChange:
    return StatusChange(version, "in_progress", "resolved", at, automatic)


def test_a_resolution_plans_one_invitation_per_enabled_type_with_that_trigger():
    [planned] = plan_invitations(resolved(), [CSAT, NPS, CES])
    assert (planned.survey_type, planned.episode, planned.due_at) == ("csat", 5, T0 + timedelta(seconds=600))
    assert planned.cancelled_by is None


def test_a_close_plans_the_closed_trigger_types():
    closed = StatusChange(6, "resolved", "closed", T0)
    assert [p.survey_type for p in plan_invitations(closed, [CSAT, NPS, CES])] == ["nps"]


def test_automatic_changes_plan_only_for_types_that_include_them():
    closed = StatusChange(6, "resolved", "closed", T0, automatic=True)
    assert plan_invitations(closed, [NPS]) == []
    assert len(plan_invitations(closed, [replace(NPS, include_auto_closed=True)])) == 1


def test_a_reopen_known_before_the_due_time_plans_the_invitation_as_cancelled():
    early = Reopen(version=7, at=T0 + timedelta(seconds=30))
    [planned] = plan_invitations(resolved(), [CSAT], [early])
    assert planned.cancelled_by == early


def test_a_reopen_after_the_due_time_or_of_an_older_episode_cancels_nothing():
    late = Reopen(version=7, at=T0 + timedelta(seconds=601))
    older = Reopen(version=3, at=T0 + timedelta(seconds=10))
    [planned] = plan_invitations(resolved(), [CSAT], [late, older])
    assert planned.cancelled_by is None


def test_the_earliest_cancelling_reopen_is_named():
    reopens = [Reopen(9, T0 + timedelta(seconds=50)), Reopen(7, T0 + timedelta(seconds=20))]
    [planned] = plan_invitations(resolved(), [CSAT], reopens)
    assert planned.cancelled_by == Reopen(7, T0 + timedelta(seconds=20))


def test_leaving_resolved_or_closed_for_a_working_status_is_a_reopen():
    assert StatusChange(7, "resolved", "reopened", T0).is_reopen
    assert StatusChange(7, "closed", "reopened", T0).is_reopen
    assert not StatusChange(7, "resolved", "closed", T0).is_reopen
    assert not StatusChange(7, "in_progress", "resolved", T0).is_reopen


def test_system_actors_without_a_role_act_automatically():
    assert is_automatic("system:auto-close", None)
    assert not is_automatic("agent-1", "agent")
    assert not is_automatic(None, None)


def test_each_type_has_its_scale():
    assert score_in_range("csat", 1) and score_in_range("csat", 5) and not score_in_range("csat", 0)
    assert score_in_range("nps", 0) and score_in_range("nps", 10) and not score_in_range("nps", 11)
    assert score_in_range("ces", 7) and not score_in_range("ces", 8) and not score_in_range("ces", 0)
