"""Survey arithmetic over score counts: CSAT, NPS, CES, response rate. Pure; tested against hand-computed fixtures.

- CSAT (1-5) = 100 x (responses scoring 4 or 5) / responses
- NPS (0-10) = 100 x (promoters 9-10 - detractors 0-6) / responses, from -100 to 100
- CES (1-7)  = mean score
- response rate = 100 x answered / invited, over the invitations sent in the period (a cohort)

A period without responses has no score (None), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SLOTS = 11  # scores 0..10


def _zeros() -> tuple[int, ...]:
    return (0,) * SLOTS


@dataclass(frozen=True)
class Tally:
    """Counts for one bucket: how many answers gave each score, plus the invitation cohort."""

    counts: tuple[int, ...] = field(default_factory=_zeros)
    invited: int = 0
    answered: int = 0

    @classmethod
    def of_scores(cls, scores: Iterable[int], invited: int = 0, answered: int = 0) -> Tally:
        counts = [0] * SLOTS
        for score in scores:
            counts[score] += 1
        return cls(tuple(counts), invited, answered)

    @classmethod
    def from_row(cls, counts: Sequence[int] | None, invited: int, answered: int) -> Tally:
        padded = tuple(int(c) for c in (counts or ())) + _zeros()
        return cls(padded[:SLOTS], int(invited), int(answered))

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
            self.invited + other.invited,
            self.answered + other.answered,
        )

    @property
    def responses(self) -> int:
        return sum(self.counts)

    def between(self, low: int, high: int) -> int:
        return sum(self.counts[low : high + 1])

    @property
    def score_sum(self) -> int:
        return sum(score * n for score, n in enumerate(self.counts))


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def csat(tally: Tally) -> float | None:
    return _percent(tally.between(4, 5), tally.responses)


def nps(tally: Tally) -> float | None:
    if not tally.responses:
        return None
    return round(100.0 * (tally.between(9, 10) - tally.between(0, 6)) / tally.responses, 2)


def ces(tally: Tally) -> float | None:
    return round(tally.score_sum / tally.responses, 2) if tally.responses else None


def response_rate(tally: Tally) -> float | None:
    return _percent(tally.answered, tally.invited)


SCORERS = {"csat": csat, "nps": nps, "ces": ces}


def score(survey_type: str, tally: Tally) -> float | None:
    return SCORERS[survey_type](tally)


def breakdown(survey_type: str, tally: Tally) -> dict[str, int]:
    """The groups each score is made of: satisfied/neutral/dissatisfied, promoters/passives/detractors, ..."""
    if survey_type == "csat":
        return {"satisfied": tally.between(4, 5), "neutral": tally.between(3, 3), "dissatisfied": tally.between(1, 2)}
    if survey_type == "nps":
        return {"promoters": tally.between(9, 10), "passives": tally.between(7, 8), "detractors": tally.between(0, 6)}
    return {"easy": tally.between(5, 7), "neutral": tally.between(4, 4), "difficult": tally.between(1, 3)}
