"""Which rollup rows a change touches: every grain, merged, in key order."""

from __future__ import annotations

import uuid
from datetime import date

from helpdesk_feedback.results.repository import (
    AGENT,
    AGENT_AND_CATEGORY,
    ANY_AGENT,
    ANY_CATEGORY,
    CATEGORY,
    TOTAL,
    Bump,
    _rows,
    grain_of,
)

DAY = date(2026, 3, 2)
BILLING = uuid.UUID(int=7)


def test_an_answer_counts_at_all_four_grains():
    rows = _rows([Bump(DAY, "agent-1", BILLING, score=4)])
    assert [(r["grain"], r["agent_id"], r["category_id"]) for r in rows] == [
        (AGENT_AND_CATEGORY, "agent-1", str(BILLING)),
        (AGENT, "agent-1", str(ANY_CATEGORY)),
        (CATEGORY, ANY_AGENT, str(BILLING)),
        (TOTAL, ANY_AGENT, str(ANY_CATEGORY)),
    ]
    assert all(r["scores"][4] == 1 and sum(r["scores"]) == 1 and r["invited"] == 0 for r in rows)


def test_changes_to_the_same_rows_are_merged():
    rows = _rows([Bump(DAY, None, None, score=5), Bump(DAY, None, None, answered=1)])
    total = next(r for r in rows if r["grain"] == TOTAL)
    assert (total["answered"], total["scores"][5]) == (1, 1)
    assert len(rows) == 4  # no assignee and no category still fill each grain once


def test_queries_read_the_grain_their_filters_name():
    assert grain_of(None, None) == (TOTAL, ANY_AGENT, ANY_CATEGORY)
    assert grain_of("agent-1", None) == (AGENT, "agent-1", ANY_CATEGORY)
    assert grain_of(None, BILLING) == (CATEGORY, ANY_AGENT, BILLING)
    assert grain_of("agent-1", BILLING) == (AGENT_AND_CATEGORY, "agent-1", BILLING)
