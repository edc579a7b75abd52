from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, strategies as st

from helpdesk_routing.domain.strategies import Candidate, Need, SkillNeed, need_for, rank, skills_from_tags

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def an_agent(agent_id: str, **fields: object) -> Candidate:
    values: dict[str, object] = {"status": "online", "load": 0, "capacity": 5} | fields
    return Candidate(agent_id=agent_id, **values)  # type: ignore[arg-type]


def rotate(agents: list[Candidate], tickets: int) -> Counter[str]:
    """Hand out tickets one by one with round robin, moving the cursor and the loads as the service does."""
    cursor, counts, pool = None, Counter[str](), {a.agent_id: a for a in agents}
    for _ in range(tickets):
        chosen = rank("round_robin", pool.values(), Need(), last_agent_id=cursor)[0]
        cursor = chosen.agent_id
        counts[cursor] += 1
        pool[cursor] = an_agent(cursor, load=chosen.load + 1, capacity=chosen.capacity)
    return counts


def test_round_robin_over_three_agents_for_nine_tickets_gives_three_each() -> None:
    assert rotate([an_agent("a"), an_agent("b"), an_agent("c")], 9) == {"a": 3, "b": 3, "c": 3}


def test_round_robin_starts_after_the_persisted_cursor_and_wraps() -> None:
    agents = [an_agent("a"), an_agent("b"), an_agent("c")]
    assert [c.agent_id for c in rank("round_robin", agents, Need(), last_agent_id="b")] == ["c", "a", "b"]
    assert [c.agent_id for c in rank("round_robin", agents, Need(), last_agent_id="zz")] == ["a", "b", "c"]


def test_round_robin_skips_an_agent_at_capacity_without_losing_the_turn_order() -> None:
    agents = [an_agent("a"), an_agent("b", load=5), an_agent("c")]
    assert [c.agent_id for c in rank("round_robin", agents, Need(), last_agent_id="a")] == ["c", "a"]


def test_least_loaded_picks_the_lowest_load_to_capacity_ratio() -> None:
    agents = [an_agent("a", load=2, capacity=4), an_agent("b", load=2, capacity=10), an_agent("c", load=1, capacity=2)]
    assert rank("least_loaded", agents, Need())[0].agent_id == "b"


def test_least_loaded_ties_go_to_whoever_waited_longest_since_their_last_assignment() -> None:
    agents = [
        an_agent("a", load=1, last_assigned_at=T0),
        an_agent("b", load=1, last_assigned_at=T0 - timedelta(minutes=5)),
        an_agent("c", load=1, last_assigned_at=T0 + timedelta(minutes=5)),
    ]
    assert [c.agent_id for c in rank("least_loaded", agents, Need())] == ["b", "a", "c"]
    never = an_agent("d", load=1)
    assert rank("least_loaded", [*agents, never], Need())[0].agent_id == "d"


def test_skill_based_prefers_the_best_level_then_the_least_loaded() -> None:
    need = Need(skills=(SkillNeed("german"),))
    agents = [
        an_agent("a", skills={"german": 3}, load=0),
        an_agent("b", skills={"german": 5}, load=3),
        an_agent("c", skills={"german": 5}, load=1),
        an_agent("d", skills={}, load=0),
    ]
    assert [c.agent_id for c in rank("skill_based", agents, need)] == ["c", "b", "a"]


def test_skill_based_honours_the_minimum_level() -> None:
    need = Need(skills=(SkillNeed("refunds", 4),))
    agents = [an_agent("a", skills={"refunds": 3}), an_agent("b", skills={"refunds": 4})]
    assert [c.agent_id for c in rank("skill_based", agents, need)] == ["b"]


def test_skills_come_from_the_rule_else_from_tags_that_name_a_known_skill() -> None:
    members = [an_agent("a", skills={"german": 2}), an_agent("b", skills={"billing": 1})]
    assert skills_from_tags(["german", "vip"], members) == (SkillNeed("german"),)
    assert need_for("skill_based", [SkillNeed("billing", 3)], ["german"], members).skills == (SkillNeed("billing", 3),)
    assert need_for("skill_based", [], ["german", "vip"], members).skills == (SkillNeed("german"),)
    assert need_for("least_loaded", [], ["german"], members, min_tier=2) == Need(min_tier=2)


def test_escalated_tickets_need_an_agent_of_their_tier() -> None:
    agents = [an_agent("t1", tier=1), an_agent("t2", tier=2, load=4), an_agent("t3", tier=3, load=4)]
    assert [c.agent_id for c in rank("least_loaded", agents, Need(min_tier=2))] == ["t2", "t3"]


candidates = st.lists(
    st.builds(
        Candidate,
        agent_id=st.text("abcdef", min_size=1, max_size=3),
        status=st.sampled_from(["online", "away", "offline"]),
        load=st.integers(0, 8),
        capacity=st.integers(0, 6),
        tier=st.integers(1, 3),
        skills=st.dictionaries(st.sampled_from(["german", "billing"]), st.integers(1, 5), max_size=2),
        active=st.booleans(),
    ),
    max_size=12,
)


@given(candidates, st.sampled_from(["round_robin", "least_loaded", "skill_based"]), st.integers(1, 3))
def test_no_strategy_ever_offers_an_away_offline_inactive_or_full_agent(
    agents: list[Candidate], strategy: str, tier: int
) -> None:
    need = Need(skills=(SkillNeed("german"),) if strategy == "skill_based" else (), min_tier=tier)
    for chosen in rank(strategy, agents, need, last_agent_id="c"):  # type: ignore[arg-type]
        assert chosen.status == "online" and chosen.active
        assert chosen.load < chosen.capacity
        assert chosen.tier >= tier
