from __future__ import annotations

from collections import Counter

from ..harness import Routing, Ticket, a_merchant, ago, manager


async def test_round_robin_over_three_agents_for_nine_tickets_gives_three_each(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    for name in ("ann", "bob", "cid"):
        await routing.add_agent(m, name, group_ids=[group["id"]])
    await routing.add_rule(m, group_id=group["id"], strategy="round_robin")
    for _ in range(9):
        await routing.apply(*Ticket(m).created())
    decided = await routing.outbox(m, "routing.assignment_decided")
    assert [e["payload"]["agent_id"] for e in decided] == ["ann", "bob", "cid"] * 3
    assert {e["payload"]["strategy"] for e in decided} == {"round_robin"}
    assert {e["payload"]["group_id"] for e in decided} == {group["id"]}


async def test_least_loaded_and_skill_based_pick_as_specified(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]], max_concurrent_tickets=2)
    await routing.add_agent(m, "bob", group_ids=[group["id"]], max_concurrent_tickets=10,
                            skills=[{"name": "german", "level": 2}])
    await routing.add_agent(m, "cid", group_ids=[group["id"]], max_concurrent_tickets=10,
                            skills=[{"name": "german", "level": 5}])
    await routing.add_rule(m, group_id=group["id"], strategy="skill_based", conditions={"tags_any": ["german"]})
    german = [Ticket(m, tags=["german"]) for _ in range(3)]
    for ticket in german:
        await routing.apply(*ticket.created())
    decisions = await routing.decisions(m)
    assert [decisions[str(t.id)] for t in german] == ["cid", "cid", "cid"]  # best level wins while it has room
    plain = Ticket(m)
    await routing.apply(*plain.created())  # default strategy: least loaded (ann 0/2, bob 0/10: tie → waited longest)
    first = (await routing.decisions(m))[str(plain.id)]
    assert first in ("ann", "bob")
    second = Ticket(m)
    await routing.apply(*second.created())
    assert (await routing.decisions(m))[str(second.id)] == ({"ann", "bob"} - {first}).pop()


async def test_away_and_offline_agents_are_never_chosen_and_caps_hold(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]], status="away")
    await routing.add_agent(m, "bob", group_ids=[group["id"]], status="offline")
    await routing.add_agent(m, "cid", group_ids=[group["id"]], max_concurrent_tickets=2)
    tickets = [Ticket(m) for _ in range(4)]
    for ticket in tickets:
        await routing.apply(*ticket.created())
    assert set((await routing.decisions(m)).values()) == {"cid"}
    assert len(await routing.decisions(m)) == 2
    queued = await routing.outbox(m, "routing.ticket_queued")
    assert [e["payload"]["ticket_id"] for e in queued] == [str(t.id) for t in tickets[2:]]
    assert queued[0]["payload"]["group_id"] == group["id"]
    assert await routing.load_of(m, "cid") == 2


async def test_waiting_tickets_go_out_highest_priority_first_then_oldest_when_capacity_frees(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]], status="offline", max_concurrent_tickets=10)
    old_low = Ticket(m, priority="low", created_at=ago(hours=5))
    old_normal = Ticket(m, priority="normal", created_at=ago(hours=4))
    new_urgent = Ticket(m, priority="urgent", created_at=ago(minutes=1))
    new_normal = Ticket(m, priority="normal", created_at=ago(minutes=2))
    for ticket in (old_low, old_normal, new_urgent, new_normal):
        await routing.apply(*ticket.created())
    queue = await routing.http.get("/v1/routing/queue", headers=manager(m))
    expected = [str(t.id) for t in (new_urgent, old_normal, new_normal, old_low)]
    assert [q["ticket_id"] for q in queue.json()["items"]] == expected
    await routing.set_status(m, "ann", "online")
    decided = await routing.outbox(m, "routing.assignment_decided")
    assert [e["payload"]["ticket_id"] for e in decided] == expected
    assert (await routing.http.get("/v1/routing/queue", headers=manager(m))).json()["items"] == []


async def test_a_resolved_ticket_frees_a_slot_for_the_next_waiting_one(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]], max_concurrent_tickets=1)
    first, second = Ticket(m), Ticket(m)
    await routing.apply(*first.created())
    await routing.apply(*second.created())
    assert await routing.decisions(m) == {str(first.id): "ann"}
    await routing.apply(*first.assigned("ann"))
    await routing.apply(*first.moved("resolved"))
    assert await routing.decisions(m) == {str(first.id): "ann", str(second.id): "ann"}
    assert await routing.load_of(m, "ann") == 1


async def test_escalation_to_level_two_reassigns_to_a_tier_two_agent(routing: Routing) -> None:
    m = a_merchant()
    l1 = await routing.add_group(m, "Level 1")
    l2 = await routing.add_group(m, "Level 2", tier=2)
    await routing.add_agent(m, "ann", group_ids=[l1["id"]], tier=1)
    await routing.add_agent(m, "tom", group_ids=[l2["id"]], tier=2)
    ticket = Ticket(m)
    await routing.apply(*ticket.created())
    await routing.apply(*ticket.assigned("ann"))
    assert await routing.load_of(m, "ann") == 1
    await routing.apply(*ticket.escalated(2))
    decided = await routing.outbox(m, "routing.assignment_decided")
    expected = {"agent_id": "tom", "group_id": l2["id"], "ticket_version": ticket.version}
    assert decided[-1]["payload"].items() >= expected.items()
    assert await routing.load_of(m, "ann") == 0 and await routing.load_of(m, "tom") == 1
    await routing.apply(*ticket.assigned("tom"))
    assert await routing.load_of(m, "tom") == 1


async def test_escalation_with_no_tier_two_agent_available_queues_and_unassigns(routing: Routing) -> None:
    m = a_merchant()
    l1 = await routing.add_group(m, "Level 1")
    l2 = await routing.add_group(m, "Level 2", tier=2)
    await routing.add_agent(m, "ann", group_ids=[l1["id"]], tier=1)
    await routing.add_agent(m, "tom", group_ids=[l2["id"]], tier=2, status="offline")
    ticket = Ticket(m)
    await routing.apply(*ticket.created())
    await routing.apply(*ticket.assigned("ann"))
    await routing.apply(*ticket.escalated(2))
    unassigned = await routing.outbox(m, "routing.unassigned")
    assert unassigned[-1]["payload"].items() >= {"previous_agent_id": "ann", "reason": "escalated"}.items()
    queued = await routing.outbox(m, "routing.ticket_queued")
    assert queued[-1]["payload"]["group_id"] == l2["id"]
    await routing.apply(*ticket.updated(priority="high"))  # tickets has not cleared ann yet: still not hers
    assert await routing.load_of(m, "ann") == 0
    await routing.set_status(m, "tom", "online")
    assert (await routing.decisions(m))[str(ticket.id)] == "tom"


async def test_a_reopened_ticket_of_an_offline_agent_is_rerouted(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    ticket = Ticket(m)
    await routing.apply(*ticket.created())
    await routing.apply(*ticket.assigned("ann"))
    await routing.apply(*ticket.moved("resolved"))
    await routing.set_status(m, "ann", "offline")
    await routing.add_agent(m, "bob", group_ids=[group["id"]])
    await routing.apply(*ticket.moved("reopened"))
    assert (await routing.decisions(m))[str(ticket.id)] == "bob"
    assert await routing.load_of(m, "ann") == 0 and await routing.load_of(m, "bob") == 1


async def test_a_reopened_ticket_goes_back_to_its_online_assignee(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    ticket = Ticket(m)
    await routing.apply(*ticket.created())
    await routing.apply(*ticket.assigned("ann"))
    await routing.apply(*ticket.moved("resolved"))
    assert await routing.load_of(m, "ann") == 0
    await routing.apply(*ticket.moved("reopened"))
    assert await routing.load_of(m, "ann") == 1
    assert len(await routing.outbox(m, "routing.assignment_decided")) == 1


async def test_an_agent_going_offline_keeps_or_returns_their_tickets_by_the_merchants_setting(routing: Routing) -> None:
    for policy in ("keep", "requeue"):
        m = a_merchant()
        await routing.http.put("/v1/routing/settings", json={"offline_policy": policy}, headers=manager(m))
        group = await routing.add_group(m, "Support")
        await routing.add_agent(m, "ann", group_ids=[group["id"]])
        tickets = [Ticket(m) for _ in range(2)]
        for ticket in tickets:
            await routing.apply(*ticket.created())
            await routing.apply(*ticket.assigned("ann"))
        await routing.add_agent(m, "bob", group_ids=[group["id"]], status="offline")
        await routing.set_status(m, "ann", "offline")
        unassigned = await routing.outbox(m, "routing.unassigned")
        if policy == "keep":
            assert unassigned == [] and await routing.load_of(m, "ann") == 2
            continue
        assert sorted(e["payload"]["ticket_id"] for e in unassigned) == sorted(str(t.id) for t in tickets)
        assert {e["payload"]["reason"] for e in unassigned} == {"agent went offline"}
        assert await routing.load_of(m, "ann") == 0
        await routing.set_status(m, "bob", "online")
        decisions = await routing.decisions(m)
        assert [decisions[str(t.id)] for t in tickets] == ["bob", "bob"]


async def test_duplicate_and_out_of_order_events_leave_load_correct(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]], max_concurrent_tickets=10)
    await routing.add_agent(m, "bob", group_ids=[group["id"]], max_concurrent_tickets=10, status="away")
    ticket = Ticket(m, assignee_id=None)
    created = ticket.created()
    to_ann = ticket.assigned("ann")
    working = ticket.moved("in_progress")
    to_bob = ticket.assigned("bob")
    resolved = ticket.moved("resolved")
    reopened = ticket.moved("reopened")
    for event in (reopened, to_ann, created, resolved, to_bob, working, to_ann, reopened):
        await routing.apply(*event)
    assert await routing.load_of(m, "bob") == 1 and await routing.load_of(m, "ann") == 0
    other = Ticket(m)
    events = [other.created(), other.assigned("ann"), other.moved("in_progress"), other.moved("closed")]
    for event in reversed(events):
        await routing.apply(*event)
    for event in events:
        assert not await routing.apply(*event)  # every one a duplicate now
    assert await routing.load_of(m, "ann") == 0 and await routing.load_of(m, "bob") == 1


async def test_reconciliation_corrects_drifted_loads_from_the_ticket_projection(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    ticket = Ticket(m)
    await routing.apply(*ticket.created())
    async with routing.sessions() as session:
        from sqlalchemy import text

        await session.execute(text("UPDATE routing_agents SET load = 4 WHERE merchant_id = :m"), {"m": m})
        await session.commit()
    response = await routing.http.post("/v1/routing/reconcile", headers=manager(m))
    assert response.json() == {"agents_checked": 1, "agents_corrected": 1}
    assert await routing.load_of(m, "ann") == 1


async def test_tickets_wait_for_a_skill_nobody_online_has_and_only_a_skilled_agent_takes_them(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    await routing.add_agent(m, "kai", group_ids=[group["id"]], skills=[{"name": "german", "level": 3}],
                            status="offline")
    await routing.add_rule(m, group_id=group["id"], strategy="skill_based",
                           required_skills=[{"name": "german", "min_level": 2}])
    german = Ticket(m)
    await routing.apply(*german.created())
    assert await routing.decisions(m) == {}
    await routing.set_status(m, "ann", "offline")
    await routing.set_status(m, "ann", "online")
    assert await routing.decisions(m) == {}
    await routing.set_status(m, "kai", "online")
    assert await routing.decisions(m) == {str(german.id): "kai"}
    assert Counter(e["payload"]["ticket_id"] for e in await routing.outbox(m, "routing.ticket_queued")) == {
        str(german.id): 1
    }


async def test_a_deactivated_agent_hands_back_their_tickets_and_a_raised_cap_takes_waiting_ones(
    routing: Routing,
) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    tickets = [Ticket(m) for _ in range(3)]
    for ticket in tickets:
        await routing.apply(*ticket.created())
        await routing.apply(*ticket.assigned("ann"))
    await routing.add_agent(m, "bob", group_ids=[group["id"]], max_concurrent_tickets=1)
    assert (await routing.http.delete("/v1/agents/ann", headers=manager(m))).status_code == 204
    assert (await routing.http.get("/v1/agents/ann", headers=manager(m))).json()["active"] is False
    unassigned = await routing.outbox(m, "routing.unassigned")
    assert {e["payload"]["reason"] for e in unassigned} == {"agent deactivated"} and len(unassigned) == 3
    assert sorted((await routing.decisions(m)).values()) == ["ann", "ann", "bob"]  # one ticket moved to bob
    bob = (await routing.http.get("/v1/agents/bob", headers=manager(m))).json()
    body = {k: bob[k] for k in ("name", "tier", "skills", "group_ids")} | {"max_concurrent_tickets": 3}
    raised = await routing.http.put("/v1/agents/bob", json=body, headers=manager(m))
    assert raised.status_code == 200 and raised.json()["load"] == 3
    assert sorted((await routing.decisions(m)).values()) == ["bob", "bob", "bob"]
    latest = (await routing.outbox(m, "agent.upserted"))[-1]["payload"]
    assert latest["agent_id"] == "bob" and latest["version"] == bob["version"] + 1
