"""Choosing the SLA policy for a ticket, and refusing malformed policies."""

from uuid import UUID

import pytest

from helpdesk_sla.domain import EscalationStep, Metric, PolicyError, SlaPolicy, choose_policy

HOUR = 3600
BILLING, SHIPPING = UUID(int=100), UUID(int=200)


def policy(number=1, priority="high", **fields):
    fields.setdefault("targets", {Metric.FIRST_RESPONSE: HOUR, Metric.RESOLUTION: 8 * HOUR})
    return SlaPolicy(id=UUID(int=number), version=1, priority=priority, **fields)


def step(level, after, metric=Metric.RESOLUTION):
    return EscalationStep(level=level, after_breach_seconds=after, metric=metric)


def chosen(policies, priority="high", category_id=None, tags=()):
    found = choose_policy(policies, priority=priority, category_id=category_id, tags=tags)
    return None if found is None else found.id.int


def test_only_a_policy_for_the_tickets_priority_applies():
    assert chosen([policy(1, "low"), policy(2, "high")]) == 2
    assert chosen([policy(1, "low")]) is None


def test_a_policy_naming_a_category_applies_only_to_that_category():
    policies = [policy(1, category_id=BILLING)]
    assert chosen(policies, category_id=BILLING) == 1
    assert chosen(policies, category_id=SHIPPING) is None
    assert chosen(policies) is None


def test_a_policy_naming_tags_needs_all_of_them_on_the_ticket():
    policies = [policy(1, tags={"vip", "eu"})]
    assert chosen(policies, tags=["vip", "eu", "refund"]) == 1
    assert chosen(policies, tags=["vip"]) is None


def test_the_most_specific_policy_wins():
    policies = [
        policy(1),
        policy(2, tags={"vip"}),
        policy(3, tags={"vip", "eu"}),
        policy(4, category_id=BILLING),
    ]
    assert chosen(policies, tags=["vip"]) == 2
    assert chosen(policies, tags=["vip", "eu"]) == 3
    assert chosen(policies, category_id=BILLING, tags=["vip", "eu"]) == 4
    assert chosen(policies, category_id=SHIPPING) == 1


def test_a_category_and_tags_beat_a_category_alone():
    policies = [policy(1, category_id=BILLING), policy(2, category_id=BILLING, tags={"vip"})]
    assert chosen(policies, category_id=BILLING, tags=["vip"]) == 2


def test_equally_specific_policies_are_chosen_by_position_then_id():
    assert chosen([policy(1, position=2), policy(2, position=1)]) == 2
    assert chosen([policy(3, position=1), policy(2, position=1)]) == 2


def test_clocks_pause_while_waiting_for_the_customer_by_default():
    assert policy().pauses_on("waiting_customer")
    assert not policy().pauses_on("waiting_third_party")
    assert policy(pause_statuses=["waiting_third_party"]).pauses_on("waiting_third_party")


def test_targets_may_be_given_with_plain_metric_names():
    assert policy(targets={"resolution": HOUR}).targets == {Metric.RESOLUTION: HOUR}


def test_a_well_formed_escalation_ladder_is_accepted():
    ladder = [step(2, 0), step(3, HOUR), step(2, 0, Metric.FIRST_RESPONSE)]
    assert policy(escalation=ladder).escalation == tuple(ladder)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"targets": {}}, "at least one target"),
        ({"targets": {Metric.RESOLUTION: 0}}, "resolution target must be > 0"),
        ({"targets": {Metric.RESOLUTION: -5}}, "resolution target must be > 0"),
        ({"targets": {"sometime": HOUR}}, "targets must map metrics"),
        ({"warn_before_seconds": -1}, "warn_before_seconds must be >= 0"),
        ({"warn_before_seconds": HOUR}, r"must be below the first_response target \(3600\)"),
        ({"warn_at_percent": 0}, "strictly between 0 and 100"),
        ({"warn_at_percent": 100}, "strictly between 0 and 100"),
        ({"warn_at_percent": 50, "warn_before_seconds": 60}, "not both"),
        ({"escalation": [step(1, 0)]}, "escalation levels are"),
        ({"escalation": [step(4, 0)]}, "escalation levels are"),
        ({"escalation": [step(3, 0), step(2, 60)]}, "must strictly increase: 3 then 2"),
        ({"escalation": [step(2, 0), step(2, 60)]}, "must strictly increase: 2 then 2"),
        ({"escalation": [step(2, -1)]}, "after_breach_seconds must be >= 0"),
        ({"escalation": [step(2, 600), step(3, 60)]}, "must not decrease: 600 then 60"),
        ({"escalation": [step(2, 0, Metric.NEXT_RESPONSE)]}, "next_response, which has no target"),
        ({"tags": {""}}, "non-empty strings"),
        ({"priority": ""}, "needs a priority"),
    ],
)
def test_a_malformed_policy_is_refused(fields, message):
    with pytest.raises(PolicyError, match=message):
        policy(**fields)


def test_a_version_must_be_a_positive_integer():
    with pytest.raises(PolicyError, match="version"):
        SlaPolicy(id=UUID(int=1), version=0, priority="high", targets={Metric.RESOLUTION: HOUR})
