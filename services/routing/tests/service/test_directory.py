from __future__ import annotations

import uuid

from ..harness import Routing, a_merchant, agent, customer, manager


async def test_a_manager_registers_an_agent_who_then_reads_themself(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    created = await routing.add_agent(
        m, "ann", email="ann@shop.test", tier=2, skills=[{"name": "German", "level": 4}], group_ids=[group["id"]],
        max_concurrent_tickets=3, status="offline",
    )
    assert created["skills"] == [{"name": "german", "level": 4}]
    me = await routing.http.get("/v1/agents/me", headers=agent(m, "ann"))
    assert me.status_code == 200
    assert me.json() | {} == created
    assert me.json()["group_ids"] == [group["id"]] and me.json()["load"] == 0


async def test_every_directory_change_is_announced_with_its_whole_state(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    agents = await routing.outbox(m, "agent.upserted")
    groups = await routing.outbox(m, "group.upserted")
    expected = {"agent_id": "ann", "group_ids": [group["id"]], "role": "agent", "tier": 1}
    assert agents[-1]["payload"].items() >= expected.items()
    assert groups[-1]["payload"]["member_ids"] == ["ann"] and groups[-1]["payload"]["is_default"] is True
    assert groups[-1]["payload"]["version"] > groups[0]["payload"]["version"]
    await routing.set_status(m, "ann", "away")
    latest = (await routing.outbox(m, "agent.upserted"))[-1]["payload"]
    assert latest["status"] == "away" and latest["version"] > agents[-1]["payload"]["version"]
    changed = await routing.outbox(m, "agent.status_changed")
    assert changed[-1]["payload"].items() >= {"agent_id": "ann", "from_status": "online", "status": "away"}.items()


async def test_agents_cannot_write_agents_groups_or_rules(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    await routing.add_agent(m, "bob", group_ids=[group["id"]])
    ann = agent(m, "ann")
    body = {"name": "Bob", "group_ids": []}
    assert (await routing.http.put("/v1/agents/bob", json=body, headers=ann)).status_code == 403
    assert (await routing.http.post("/v1/agents", json=body | {"user_id": "x"}, headers=ann)).status_code == 403
    assert (await routing.http.put("/v1/agents/bob/status", json={"status": "offline"}, headers=ann)).status_code == 403
    assert (await routing.http.post("/v1/groups", json={"name": "Mine"}, headers=ann)).status_code == 403
    rule = {"name": "r", "group_id": group["id"], "strategy": "round_robin"}
    assert (await routing.http.post("/v1/routing/rules", json=rule, headers=ann)).status_code == 403
    assert (await routing.http.get("/v1/routing/rules", headers=ann)).status_code == 403
    assert (await routing.http.get("/v1/agents", headers=customer(m))).status_code == 403
    assert (await routing.load_of(m, "bob")) == 0  # unchanged


async def test_another_merchants_agents_groups_and_rules_are_not_found(routing: Routing) -> None:
    m, other = a_merchant(), a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    rule = await routing.add_rule(m, group_id=group["id"], strategy="least_loaded")
    theirs = manager(other)
    assert (await routing.http.get("/v1/agents/ann", headers=theirs)).status_code == 404
    assert (await routing.http.put("/v1/agents/ann", json={"name": "x"}, headers=theirs)).status_code == 404
    assert (await routing.http.get(f"/v1/groups/{group['id']}", headers=theirs)).status_code == 404
    assert (await routing.http.get(f"/v1/routing/rules/{rule['id']}", headers=theirs)).status_code == 404
    assert (await routing.http.delete(f"/v1/routing/rules/{rule['id']}", headers=theirs)).status_code == 404
    listed = await routing.http.get("/v1/agents", headers=theirs)
    assert listed.status_code == 200 and listed.json()["items"] == []


async def test_an_agent_sees_themself_and_their_groups_members_only(routing: Routing) -> None:
    m = a_merchant()
    support = await routing.add_group(m, "Support")
    billing = await routing.add_group(m, "Billing")
    await routing.add_agent(m, "ann", group_ids=[support["id"]])
    await routing.add_agent(m, "bob", group_ids=[support["id"]])
    await routing.add_agent(m, "cid", group_ids=[billing["id"]])
    listed = await routing.http.get("/v1/agents", headers=agent(m, "ann"))
    assert [a["user_id"] for a in listed.json()["items"]] == ["ann", "bob"]
    assert (await routing.http.get("/v1/agents/cid", headers=agent(m, "ann"))).status_code == 404
    everyone = await routing.http.get("/v1/agents?limit=2", headers=manager(m))
    assert [a["user_id"] for a in everyone.json()["items"]] == ["ann", "bob"]
    rest = await routing.http.get(f"/v1/agents?limit=2&cursor={everyone.json()['next_cursor']}", headers=manager(m))
    assert [a["user_id"] for a in rest.json()["items"]] == ["cid"] and rest.json()["next_cursor"] is None


async def test_bad_agent_and_group_input_is_422_and_changes_nothing(routing: Routing) -> None:
    m = a_merchant()
    boss = manager(m)
    for body in (
        {"user_id": "ann", "name": "Ann", "tier": 4},
        {"user_id": "ann", "name": "A\x00nn"},
        {"user_id": "ann", "name": "Ann", "skills": [{"name": "german", "level": 6}]},
        {"user_id": "ann", "name": "Ann", "skills": [{"name": "German", "level": 2}, {"name": "german", "level": 3}]},
        {"user_id": "ann", "name": "Ann", "group_ids": [str(uuid.uuid4())]},
        {"user_id": "ann", "name": "Ann", "max_concurrent_tickets": -1},
        {"user_id": "ann", "name": "Ann", "status": "busy"},
    ):
        response = await routing.http.post("/v1/agents", json=body, headers=boss)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await routing.http.get("/v1/agents/ann", headers=boss)).status_code == 404
    ghost = await routing.http.post("/v1/groups", json={"name": "G", "member_ids": ["ghost"]}, headers=boss)
    assert ghost.status_code == 422
    assert (await routing.http.get("/v1/groups", headers=boss)).json()["items"] == []


async def test_duplicates_conflict_and_the_default_group_stays(routing: Routing) -> None:
    m = a_merchant()
    first = await routing.add_group(m, "Support")
    assert first["is_default"] is True
    second = await routing.add_group(m, "Billing", is_default=True)
    assert (await routing.http.get(f"/v1/groups/{first['id']}", headers=manager(m))).json()["is_default"] is False
    assert (await routing.http.post("/v1/groups", json={"name": "support"}, headers=manager(m))).status_code == 409
    assert (await routing.http.delete(f"/v1/groups/{second['id']}", headers=manager(m))).status_code == 409
    assert (await routing.http.delete(f"/v1/groups/{first['id']}", headers=manager(m))).status_code == 204
    await routing.add_agent(m, "ann")
    again = await routing.http.post("/v1/agents", json={"user_id": "ann", "name": "Ann"}, headers=manager(m))
    assert again.status_code == 409


async def test_creating_with_an_idempotency_key_runs_once(routing: Routing) -> None:
    m = a_merchant()
    headers = manager(m) | {"Idempotency-Key": "k-1"}
    first = await routing.http.post("/v1/groups", json={"name": "Support"}, headers=headers)
    again = await routing.http.post("/v1/groups", json={"name": "Support"}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = await routing.http.post("/v1/groups", json={"name": "Other"}, headers=headers)
    assert other.status_code == 422


async def test_rules_are_validated_ordered_and_editable(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    base = {"name": "r", "group_id": group["id"], "strategy": "skill_based"}
    for bad in (
        base | {"group_id": str(uuid.uuid4())},
        base | {"strategy": "random"},
        base | {"strategy": "round_robin", "required_skills": [{"name": "german"}]},
        base | {"conditions": {"escalation_levels": [4]}},
        base | {"conditions": {"priorities": ["critical"]}},
        base | {"conditions": {"colour": ["red"]}},
        base | {"required_skills": [{"name": "german", "min_level": 9}]},
        base | {"name": "\x00"},
    ):
        response = await routing.http.post("/v1/routing/rules", json=bad, headers=manager(m))
        assert response.status_code == 422, bad
    later = await routing.add_rule(m, **base, conditions={"tags_any": ["VIP"]})
    sooner = await routing.add_rule(m, **base, position=1, required_skills=[{"name": "German", "min_level": 2}])
    listed = await routing.http.get("/v1/routing/rules", headers=manager(m))
    assert [r["id"] for r in listed.json()] == [sooner["id"], later["id"]]
    assert later["conditions"]["tags_any"] == ["vip"]
    moved = await routing.http.put(f"/v1/routing/rules/{later['id']}", json=base | {"position": 0}, headers=manager(m))
    assert moved.status_code == 200
    listed = await routing.http.get("/v1/routing/rules", headers=manager(m))
    assert [r["id"] for r in listed.json()] == [later["id"], sooner["id"]]
    assert (await routing.http.delete(f"/v1/groups/{group['id']}", headers=manager(m))).status_code == 409


async def test_routing_settings_belong_to_managers(routing: Routing) -> None:
    m = a_merchant()
    assert (await routing.http.get("/v1/routing/settings", headers=manager(m))).json() == {
        "offline_policy": "keep", "default_strategy": "least_loaded"
    }
    put = await routing.http.put("/v1/routing/settings", json={"offline_policy": "requeue"}, headers=manager(m))
    assert put.status_code == 200
    assert (await routing.http.get("/v1/routing/settings", headers=manager(m))).json()["offline_policy"] == "requeue"
    bad = await routing.http.put("/v1/routing/settings", json={"offline_policy": "x"}, headers=manager(m))
    assert bad.status_code == 422
    assert (await routing.http.get("/v1/routing/settings", headers=agent(m, "ann"))).status_code == 403
