"""CSAT, NPS, CES and response rate against hand-computed figures, empty tallies included."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from helpdesk_feedback.domain.scoring import Tally, breakdown, ces, csat, nps, response_rate, score


def test_csat_is_the_share_of_four_and_five():
    assert csat(Tally.of_scores([5, 4, 3, 2])) == 50.0
    assert csat(Tally.of_scores([5, 5, 5])) == 100.0
    assert csat(Tally.of_scores([1, 2, 3])) == 0.0
    assert csat(Tally.of_scores([4, 1, 1])) == 33.33


def test_nps_is_promoters_minus_detractors():
    assert nps(Tally.of_scores([10, 9, 8, 7, 6, 0])) == 0.0  # 2 promoters, 2 detractors of 6
    assert nps(Tally.of_scores([10, 10, 9, 8, 6, 0])) == 16.67  # 3 - 2 of 6
    assert nps(Tally.of_scores([0, 0, 6])) == -100.0
    assert nps(Tally.of_scores([9, 10])) == 100.0
    assert nps(Tally.of_scores([7, 8])) == 0.0  # passives only


def test_ces_is_the_mean_score():
    assert ces(Tally.of_scores([1, 2, 7, 7])) == 4.25
    assert ces(Tally.of_scores([3])) == 3.0
    assert ces(Tally.of_scores([1, 2, 2])) == 1.67


@pytest.mark.parametrize("survey_type", ["csat", "nps", "ces"])
def test_an_empty_period_has_no_score(survey_type):
    assert score(survey_type, Tally()) is None
    assert response_rate(Tally()) is None


def test_the_response_rate_is_answered_over_invited():
    assert response_rate(Tally.of_scores([], invited=8, answered=5)) == 62.5
    assert response_rate(Tally.of_scores([], invited=3, answered=0)) == 0.0


def test_tallies_add_up_bucket_by_bucket():
    total = Tally.of_scores([5, 4], invited=3, answered=2) + Tally.of_scores([1], invited=1, answered=1) + Tally()
    assert (total.responses, total.invited, total.answered, total.score_sum) == (3, 4, 3, 10)
    assert csat(total) == 66.67


def test_a_rollup_row_becomes_a_tally():
    tally = Tally.from_row([0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0], invited=4, answered=3)
    assert tally.counts[1] == 1 and tally.counts[5] == 2 and tally.responses == 3


def test_breakdowns_name_each_types_groups():
    assert breakdown("csat", Tally.of_scores([5, 3, 1, 2])) == {"satisfied": 1, "neutral": 1, "dissatisfied": 2}
    assert breakdown("nps", Tally.of_scores([10, 8, 7, 6])) == {"promoters": 1, "passives": 2, "detractors": 1}
    assert breakdown("ces", Tally.of_scores([7, 4, 1])) == {"easy": 1, "neutral": 1, "difficult": 1}


scores = st.lists(st.integers(min_value=0, max_value=10), max_size=200)


@given(scores)
def test_scores_stay_on_their_scales_and_breakdowns_cover_every_answer(answers):
    tally = Tally.of_scores(answers)
    if not answers:
        assert csat(tally) is None and nps(tally) is None and ces(tally) is None
        return
    assert 0 <= csat(tally) <= 100  # type: ignore[operator]
    assert -100 <= nps(tally) <= 100  # type: ignore[operator]
    assert min(answers) - 0.01 <= ces(tally) <= max(answers) + 0.01  # type: ignore[operator]
    assert sum(breakdown("nps", tally).values()) == len(answers)


@given(scores, scores)
def test_a_period_scores_as_the_sum_of_its_days(first_day, second_day):
    together = Tally.of_scores(first_day) + Tally.of_scores(second_day)
    assert together == Tally.of_scores(first_day + second_day)
