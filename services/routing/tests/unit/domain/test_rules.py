from __future__ import annotations

import uuid

from helpdesk_routing.domain.rules import Conditions, Rule, TicketFacts, choose_route
from helpdesk_routing.domain.strategies import SkillNeed

DEFAULT = uuid.uuid4()
BILLING = uuid.uuid4()
VIP = uuid.uuid4()
TIER2 = uuid.uuid4()
CATEGORY = uuid.uuid4()


def a_rule(position: int, group: uuid.UUID, **conditions: object) -> Rule:
    return Rule(uuid.uuid4(), position, group, "least_loaded", Conditions(**conditions))  # type: ignore[arg-type]


def route(rules: list[Rule], **ticket: object) -> uuid.UUID | None:
    facts = TicketFacts(**({"priority": "normal"} | ticket))  # type: ignore[arg-type]
    return choose_route(
        rules, facts, default_group_id=DEFAULT, default_strategy="round_robin", groups_by_tier={2: [TIER2]}
    ).group_id


def test_first_matching_rule_by_position_wins() -> None:
    rules = [a_rule(20, VIP, tags_any=frozenset({"vip"})), a_rule(10, BILLING, category_ids=frozenset({CATEGORY}))]
    assert route(rules, category_id=CATEGORY, tags=("vip",)) == BILLING
    assert route(rules, tags=("vip",)) == VIP


def test_no_match_goes_to_the_default_group_with_the_default_strategy() -> None:
    rules = [a_rule(10, VIP, priorities=frozenset({"urgent"}))]
    chosen = choose_route(rules, TicketFacts("low"), default_group_id=DEFAULT, default_strategy="round_robin")
    assert (chosen.group_id, chosen.strategy, chosen.rule_id) == (DEFAULT, "round_robin", None)


def test_tags_any_needs_one_and_tags_all_needs_every_one() -> None:
    any_rule = [a_rule(1, VIP, tags_any=frozenset({"vip", "gold"}))]
    all_rule = [a_rule(1, VIP, tags_all=frozenset({"vip", "gold"}))]
    assert route(any_rule, tags=("gold",)) == VIP
    assert route(all_rule, tags=("gold",)) == DEFAULT
    assert route(all_rule, tags=("gold", "vip", "x")) == VIP


def test_rules_can_match_on_priority_and_escalation_level() -> None:
    rules = [a_rule(1, BILLING, priorities=frozenset({"urgent", "high"}), escalation_levels=frozenset({1}))]
    assert route(rules, priority="urgent") == BILLING
    assert route(rules, priority="urgent", escalation_level=2) == TIER2
    assert route(rules, priority="low") == DEFAULT


def test_an_escalated_ticket_without_a_rule_goes_to_its_tier_group_and_needs_that_tier() -> None:
    chosen = choose_route(
        [], TicketFacts("normal", escalation_level=2), default_group_id=DEFAULT, default_strategy="least_loaded",
        groups_by_tier={2: [TIER2]},
    )
    assert (chosen.group_id, chosen.min_tier) == (TIER2, 2)
    level3 = choose_route([], TicketFacts("normal", escalation_level=3), default_group_id=DEFAULT,
                          default_strategy="least_loaded", groups_by_tier={2: [TIER2]})
    assert (level3.group_id, level3.min_tier) == (DEFAULT, 3)


def test_a_rule_carries_its_strategy_and_required_skills() -> None:
    rule = Rule(uuid.uuid4(), 1, BILLING, "skill_based", Conditions(), (SkillNeed("refunds", 3),))
    chosen = choose_route([rule], TicketFacts("normal"), default_group_id=DEFAULT, default_strategy="least_loaded")
    assert (chosen.strategy, chosen.required_skills, chosen.rule_id) == ("skill_based", (SkillNeed("refunds", 3),),
                                                                         rule.id)
