"""The tickets side of routing: the agent directory, the ticket's group, routing's unassignments, and what an
agent sees when the merchant restricts agents to their own and their groups' tickets."""

import uuid
from datetime import UTC, datetime, timedelta

from helpdesk_contracts import Role, RoutingAssignmentDecided, RoutingTicketQueued
from helpdesk_contracts.routing import AgentUpserted, RoutingUnassigned

from ..factories import agent, consumers_ready, customer, known_agents, manager, open_ticket, publish, sql, wait_until


async def processed(client, event_id: str) -> bool:
    return bool(await sql(client, "SELECT 1 FROM processed_events WHERE event_id = :e", e=uuid.UUID(event_id)))


async def deliver(client, amqp_url, namespace, payload, **kwargs) -> None:
    event_id = await publish(amqp_url, namespace, payload, producer="routing", **kwargs)
    await wait_until(lambda: processed(client, event_id))


def upserted(agent_id: str, version: int, *, active: bool = True, groups: tuple[str, ...] = ()) -> AgentUpserted:
    return AgentUpserted(
        agent_id=agent_id, name=f"Agent {version}", role=Role.AGENT, tier=1, group_ids=list(groups), active=active,
        version=version,
    )  # fmt: skip


async def assign(client, ticket_id: str, agent_id: str):
    return await client.post(f"/v1/tickets/{ticket_id}/assignment", json={"agent_id": agent_id}, headers=manager())


async def read(client, ticket_id: str, who=None):
    return await client.get(f"/v1/tickets/{ticket_id}", headers=who or manager())


async def test_assigning_to_an_agent_missing_from_the_directory_is_a_422_naming_agent_id(client):
    ticket = await open_ticket(client, customer("c-ghost"))
    typo = await assign(client, ticket["id"], "agnet-1")
    assert typo.status_code == 422, typo.text
    assert [e["field"] for e in typo.json()["errors"]] == ["body.agent_id"]
    assert (await read(client, ticket["id"])).json()["assignee_id"] is None


async def test_the_directory_follows_agent_upserted_and_the_latest_version_wins(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-dir"))
    await deliver(client, amqp_url, amqp_namespace, upserted("agent-new", 1))
    assert (await assign(client, ticket["id"], "agent-new")).status_code == 200
    await assign(client, ticket["id"], "agent-1")

    await deliver(client, amqp_url, amqp_namespace, upserted("agent-new", 3, active=False))
    deactivated = await assign(client, ticket["id"], "agent-new")
    assert deactivated.status_code == 422 and "deactivated" in deactivated.text

    await deliver(client, amqp_url, amqp_namespace, upserted("agent-new", 2, active=True))  # older, late
    assert (await assign(client, ticket["id"], "agent-new")).status_code == 422
    [(name, version)] = await sql(client, "SELECT name, version FROM agents WHERE agent_id = 'agent-new'")
    assert (name, version) == ("Agent 3", 3)


async def test_routing_events_set_the_group_and_queue_views_filter_by_it(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    await known_agents(client, "agent-g", groups=("billing",))
    queued = await open_ticket(client, customer("c-grp"))
    decided = await open_ticket(client, customer("c-grp"))
    elsewhere = await open_ticket(client, customer("c-grp"))
    await deliver(
        client,
        amqp_url,
        amqp_namespace,
        RoutingTicketQueued(ticket_id=queued["id"], ticket_version=1, reason="nobody online", group_id="billing"),
    )
    await deliver(
        client,
        amqp_url,
        amqp_namespace,
        RoutingAssignmentDecided(ticket_id=decided["id"], agent_id="agent-2", group_id="billing", ticket_version=1),
    )
    await deliver(
        client,
        amqp_url,
        amqp_namespace,
        RoutingTicketQueued(ticket_id=elsewhere["id"], ticket_version=1, reason="nobody online", group_id="returns"),
    )
    assert (await read(client, queued["id"])).json()["group_id"] == "billing"
    assert (await read(client, decided["id"])).json()["group_id"] == "billing"

    async def listed(who, **params):
        response = await client.get("/v1/tickets", params=params, headers=who)
        assert response.status_code == 200, response.text
        return {t["id"] for t in response.json()["items"]}

    assert await listed(manager(), group_id="billing") == {queued["id"], decided["id"]}
    assert await listed(agent("agent-g"), group_id="mine") == {queued["id"], decided["id"]}
    assert await listed(agent("agent-g"), group_id="mine", assignee="none") == {queued["id"]}
    assert await listed(agent("agent-1"), group_id="mine") == set()


async def test_an_older_queued_event_does_not_move_a_ticket_routing_has_since_placed(client, amqp_url, amqp_namespace):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-late-q"))
    now = datetime.now(UTC)
    decided = RoutingAssignmentDecided(ticket_id=ticket["id"], agent_id="agent-2", group_id="tier2", ticket_version=1)
    await deliver(client, amqp_url, amqp_namespace, decided, occurred_at=now)
    late = RoutingTicketQueued(ticket_id=ticket["id"], ticket_version=1, reason="none online", group_id="tier1")
    await deliver(client, amqp_url, amqp_namespace, late, occurred_at=now - timedelta(seconds=5))
    body = (await read(client, ticket["id"])).json()
    assert (body["group_id"], body["assignee_id"]) == ("tier2", "agent-2")


async def test_routing_unassigned_clears_the_assignee_only_while_it_is_still_that_agent(
    client, amqp_url, amqp_namespace
):
    await consumers_ready(client.app)
    ticket = await open_ticket(client, customer("c-unassign"))
    routed = RoutingAssignmentDecided(ticket_id=ticket["id"], agent_id="agent-2", group_id="billing", ticket_version=1)
    await deliver(client, amqp_url, amqp_namespace, routed)
    assigned = (await read(client, ticket["id"])).json()
    assert (assigned["assignee_id"], assigned["status"]) == ("agent-2", "assigned")

    offline = RoutingUnassigned(
        ticket_id=ticket["id"], previous_agent_id="agent-2", reason="agent offline", ticket_version=assigned["version"]
    )
    await deliver(client, amqp_url, amqp_namespace, offline)
    back = (await read(client, ticket["id"])).json()
    assert (back["assignee_id"], back["status"], back["group_id"]) == (None, "new", "billing")

    taken = await assign(client, ticket["id"], "agent-1")
    assert taken.status_code == 200
    stale = RoutingUnassigned(
        ticket_id=ticket["id"], previous_agent_id="agent-1", reason="agent offline", ticket_version=back["version"]
    )
    await deliver(client, amqp_url, amqp_namespace, stale)
    assert (await read(client, ticket["id"])).json()["assignee_id"] == "agent-1"
    wrong_agent = RoutingUnassigned(ticket_id=ticket["id"], previous_agent_id="agent-2", reason="agent offline")
    await deliver(client, amqp_url, amqp_namespace, wrong_agent)
    assert (await read(client, ticket["id"])).json()["assignee_id"] == "agent-1"


async def test_with_agents_see_all_tickets_off_an_agent_sees_their_own_and_their_groups_tickets(client):
    await known_agents(client, "agent-billing", groups=("billing",))
    mine = await open_ticket(client, customer("c-vis"))
    ours = await open_ticket(client, customer("c-vis"))
    theirs = await open_ticket(client, customer("c-vis"))
    await assign(client, mine["id"], "agent-billing")
    await sql(client, "UPDATE tickets SET group_id = 'billing' WHERE id = :t", t=uuid.UUID(ours["id"]))
    await sql(client, "UPDATE tickets SET group_id = 'returns' WHERE id = :t", t=uuid.UUID(theirs["id"]))
    who = agent("agent-billing")

    async def visible(headers) -> set[str]:
        response = await client.get("/v1/tickets", headers=headers)
        return {t["id"] for t in response.json()["items"]}

    everything = {mine["id"], ours["id"], theirs["id"]}
    assert await visible(who) == everything, "agents see every ticket by default"

    settings = await client.put("/v1/tickets/settings", json={"agents_see_all_tickets": False}, headers=manager())
    assert settings.status_code == 200 and settings.json()["agents_see_all_tickets"] is False
    assert await visible(who) == {mine["id"], ours["id"]}
    assert (await read(client, theirs["id"], who)).status_code == 404
    replied = await client.post(f"/v1/tickets/{theirs['id']}/messages", json={"body": "x"}, headers=who)
    assert replied.status_code == 404
    assert (await read(client, ours["id"], who)).status_code == 200
    assert await visible(manager()) == everything
    assert await visible(agent("agent-1")) == set()
