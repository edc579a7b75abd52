"""Feature requests: submit, list, one vote per user (concurrency-safe), frozen at done/declined, merge, links."""

from __future__ import annotations

import asyncio
import uuid

from ..harness import a_merchant, agent, customer, manager


async def submit(feedback, merchant: str, title: str = "Dark mode", headers=None, **fields) -> dict:
    response = await feedback.http.post(
        "/v1/feature-requests", json={"title": title} | fields, headers=headers or customer(merchant)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def vote(feedback, merchant: str, request_id: str, user: str) -> int:
    response = await feedback.http.post(f"/v1/feature-requests/{request_id}/votes", headers=customer(merchant, user))
    return response.status_code


async def get(feedback, merchant: str, request_id: str, headers=None) -> dict:
    response = await feedback.http.get(f"/v1/feature-requests/{request_id}", headers=headers or manager(merchant))
    assert response.status_code == 200, response.text
    return response.json()


async def set_status(feedback, merchant: str, request_id: str, status: str, headers=None):
    return await feedback.http.post(
        f"/v1/feature-requests/{request_id}/status", json={"status": status}, headers=headers or manager(merchant)
    )


async def test_customers_and_agents_submit_and_everyone_reads(feedback):
    merchant = a_merchant()
    mine = await submit(feedback, merchant, "Export to CSV", description="Monthly, please")
    theirs = await submit(feedback, merchant, "Bulk edit", headers=agent(merchant))

    assert mine["status"] == "open" and mine["vote_count"] == 0 and mine["author_role"] == "customer"
    assert theirs["author_role"] == "agent"
    listed = await feedback.http.get("/v1/feature-requests?sort=newest", headers=customer(merchant, "someone"))
    assert [r["id"] for r in listed.json()["items"]] == [theirs["id"], mine["id"]]


async def test_fifty_concurrent_votes_from_fifty_users_count_fifty(feedback):
    merchant = a_merchant()
    request = await submit(feedback, merchant)

    codes = await asyncio.gather(*(vote(feedback, merchant, request["id"], f"user-{i}") for i in range(50)))
    assert set(codes) == {200}
    assert (await get(feedback, merchant, request["id"]))["vote_count"] == 50


async def test_the_same_user_voting_twice_counts_once_and_can_take_it_back(feedback):
    merchant = a_merchant()
    request = await submit(feedback, merchant)

    codes = await asyncio.gather(*(vote(feedback, merchant, request["id"], "user-1") for _ in range(5)))
    assert set(codes) == {200}
    seen = await get(feedback, merchant, request["id"], headers=customer(merchant, "user-1"))
    assert seen["vote_count"] == 1 and seen["voted"] is True
    taken_back = await feedback.http.delete(
        f"/v1/feature-requests/{request['id']}/votes", headers=customer(merchant, "user-1")
    )
    assert taken_back.status_code == 200 and taken_back.json()["vote_count"] == 0
    again = await feedback.http.delete(
        f"/v1/feature-requests/{request['id']}/votes", headers=customer(merchant, "user-1")
    )
    assert again.json()["vote_count"] == 0


async def test_votes_freeze_when_a_request_is_done_and_a_vote_then_says_why(feedback):
    merchant = a_merchant()
    request = await submit(feedback, merchant)
    await vote(feedback, merchant, request["id"], "user-1")
    for status in ("under_review", "planned", "in_progress", "done"):
        assert (await set_status(feedback, merchant, request["id"], status)).status_code == 200

    late = await feedback.http.post(f"/v1/feature-requests/{request['id']}/votes", headers=customer(merchant, "u2"))
    assert late.status_code == 409
    assert "frozen" in late.json()["detail"] and "done" in late.json()["detail"]
    url = f"/v1/feature-requests/{request['id']}/votes"
    unvote = await feedback.http.delete(url, headers=customer(merchant, "user-1"))
    assert unvote.status_code == 409
    assert (await get(feedback, merchant, request["id"]))["vote_count"] == 1
    reopened = await set_status(feedback, merchant, request["id"], "open")
    assert reopened.status_code == 409 and reopened.json()["allowed"] == []


async def test_a_status_change_tells_the_voters(feedback):
    merchant = a_merchant()
    request = await submit(feedback, merchant, "SSO")
    for user in ("user-1", "user-2"):
        await vote(feedback, merchant, request["id"], user)
    assert (await set_status(feedback, merchant, request["id"], "planned")).status_code == 200

    [event] = await feedback.wait_staged(merchant, "feature_request.status_changed", feature_request_id=request["id"])
    assert (event["from_status"], event["status"], event["title"]) == ("open", "planned", "SSO")
    assert sorted(event["voter_ids"]) == ["user-1", "user-2"]
    same = await set_status(feedback, merchant, request["id"], "planned")
    assert same.status_code == 200
    assert len(await feedback.staged(merchant, "feature_request.status_changed")) == 1


async def test_a_declined_request_refuses_votes(feedback):
    merchant = a_merchant()
    request = await submit(feedback, merchant)
    assert (await set_status(feedback, merchant, request["id"], "declined")).status_code == 200
    assert await vote(feedback, merchant, request["id"], "user-1") == 409


async def test_merging_moves_votes_without_counting_a_user_twice(feedback):
    merchant = a_merchant()
    original = await submit(feedback, merchant, "Dark mode")
    duplicate = await submit(feedback, merchant, "Night theme")
    for user in ("a", "b"):
        await vote(feedback, merchant, original["id"], user)
    for user in ("b", "c", "d"):
        await vote(feedback, merchant, duplicate["id"], user)
    ticket = str(uuid.uuid4())
    for request in (original, duplicate):
        linked = await feedback.http.post(
            f"/v1/feature-requests/{request['id']}/tickets", json={"ticket_id": ticket}, headers=agent(merchant)
        )
        assert linked.status_code == 200
    another_ticket = {"ticket_id": str(uuid.uuid4())}
    url = f"/v1/feature-requests/{duplicate['id']}/tickets"
    await feedback.http.post(url, json=another_ticket, headers=agent(merchant))

    merged = await feedback.http.post(
        f"/v1/feature-requests/{duplicate['id']}/merge", json={"into_id": original["id"]}, headers=manager(merchant)
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["original"]["vote_count"] == 4  # a, b, c, d
    assert body["original"]["ticket_count"] == 2
    assert body["duplicate"]["merged_into_id"] == original["id"] and body["duplicate"]["vote_count"] == 0
    assert body["duplicate"]["status"] == "declined"
    [event] = await feedback.wait_staged(
        merchant, "feature_request.status_changed", feature_request_id=duplicate["id"]
    )
    assert event["merged_into_id"] == original["id"] and sorted(event["voter_ids"]) == ["b", "c", "d"]

    assert await vote(feedback, merchant, duplicate["id"], "e") == 409
    assert await vote(feedback, merchant, original["id"], "c") == 200
    assert (await get(feedback, merchant, original["id"]))["vote_count"] == 4
    listed = (await feedback.http.get("/v1/feature-requests", headers=manager(merchant))).json()["items"]
    assert [r["id"] for r in listed] == [original["id"]]
    again = await feedback.http.post(
        f"/v1/feature-requests/{duplicate['id']}/merge", json={"into_id": original["id"]}, headers=manager(merchant)
    )
    assert again.status_code == 409
    into_itself = await feedback.http.post(
        f"/v1/feature-requests/{original['id']}/merge", json={"into_id": original["id"]}, headers=manager(merchant)
    )
    assert into_itself.status_code == 422


async def test_the_list_sorts_by_votes_and_status_and_filters_by_status(feedback):
    merchant = a_merchant()
    few = await submit(feedback, merchant, "Few votes")
    many = await submit(feedback, merchant, "Many votes")
    none = await submit(feedback, merchant, "No votes")
    for user in ("a", "b", "c"):
        await vote(feedback, merchant, many["id"], user)
    await vote(feedback, merchant, few["id"], "a")
    await set_status(feedback, merchant, few["id"], "planned")

    async def ids(**params) -> list[str]:
        response = await feedback.http.get("/v1/feature-requests", params=params, headers=customer(merchant))
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert await ids() == [many["id"], few["id"], none["id"]]
    assert await ids(sort="status") == [none["id"], many["id"], few["id"]]
    assert await ids(status="planned") == [few["id"]]
    first = (await feedback.http.get("/v1/feature-requests?limit=2", headers=customer(merchant))).json()
    rest = await ids(cursor=first["next_cursor"], limit=2)
    assert [r["id"] for r in first["items"]] + rest == [many["id"], few["id"], none["id"]]
    garbage = await feedback.http.get("/v1/feature-requests?cursor=garbage", headers=customer(merchant))
    assert garbage.status_code == 422


async def test_tickets_linked_to_a_request_are_counted_once_each(feedback):
    merchant = a_merchant()
    ticket = uuid.uuid4()
    request = await submit(feedback, merchant, "Invoices", headers=agent(merchant), ticket_id=str(ticket))
    assert request["ticket_count"] == 1
    url = f"/v1/feature-requests/{request['id']}/tickets"
    assert (await feedback.http.post(url, json={"ticket_id": str(ticket)}, headers=agent(merchant))).json()[
        "ticket_count"
    ] == 1
    other = uuid.uuid4()
    assert (await feedback.http.post(url, json={"ticket_id": str(other)}, headers=manager(merchant))).json()[
        "ticket_count"
    ] == 2
    links = (await feedback.http.get(url, headers=agent(merchant))).json()
    assert {link["ticket_id"] for link in links} == {str(ticket), str(other)}
    assert (await feedback.http.delete(f"{url}/{other}", headers=agent(merchant))).status_code == 204
    assert (await get(feedback, merchant, request["id"]))["ticket_count"] == 1
    by_customer = await feedback.http.post(url, json={"ticket_id": str(other)}, headers=customer(merchant))
    assert by_customer.status_code == 403


async def test_customers_cannot_change_status_merge_or_link_tickets(feedback):
    merchant = a_merchant()
    request = await submit(feedback, merchant)
    other = await submit(feedback, merchant, "Other")
    assert (await set_status(feedback, merchant, request["id"], "planned", customer(merchant))).status_code == 403
    assert (await set_status(feedback, merchant, request["id"], "planned", agent(merchant))).status_code == 403
    merge = await feedback.http.post(
        f"/v1/feature-requests/{request['id']}/merge", json={"into_id": other["id"]}, headers=customer(merchant)
    )
    assert merge.status_code == 403
    response = await feedback.http.post(
        "/v1/feature-requests", json={"title": "x", "ticket_id": str(uuid.uuid4())}, headers=customer(merchant)
    )
    assert response.status_code == 403


async def test_another_merchants_request_is_not_found(feedback):
    merchant, stranger = a_merchant(), a_merchant()
    request = await submit(feedback, merchant)
    other = await submit(feedback, stranger)
    url = f"/v1/feature-requests/{request['id']}"
    assert (await feedback.http.get(url, headers=customer(stranger))).status_code == 404
    assert (await feedback.http.post(f"{url}/votes", headers=customer(stranger))).status_code == 404
    assert (await set_status(feedback, stranger, request["id"], "planned")).status_code == 404
    merge = await feedback.http.post(
        f"/v1/feature-requests/{other['id']}/merge", json={"into_id": request["id"]}, headers=manager(stranger)
    )
    assert merge.status_code == 422
    listed = (await feedback.http.get("/v1/feature-requests", headers=customer(stranger))).json()["items"]
    assert [r["id"] for r in listed] == [other["id"]]


async def test_bad_input_is_refused_and_changes_nothing(feedback):
    merchant = a_merchant()
    for body in ({"title": ""}, {"title": "a\x00b"}, {"title": "ok", "description": "\x00"}, {"title": "x" * 201}, {}):
        response = await feedback.http.post("/v1/feature-requests", json=body, headers=customer(merchant))
        assert response.status_code == 422, body
    assert (await feedback.http.get("/v1/feature-requests", headers=customer(merchant))).json()["items"] == []
    request = await submit(feedback, merchant)
    assert (await set_status(feedback, merchant, request["id"], "shipped")).status_code == 422
    assert (await feedback.http.get("/v1/feature-requests?status=nope", headers=customer(merchant))).status_code == 422


async def test_an_idempotency_key_submits_once(feedback):
    merchant = a_merchant()
    headers = customer(merchant) | {"Idempotency-Key": "k-1"}
    first = await feedback.http.post("/v1/feature-requests", json={"title": "Once"}, headers=headers)
    second = await feedback.http.post("/v1/feature-requests", json={"title": "Once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
