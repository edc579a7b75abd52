"""Was this helpful: one vote per user, changeable, exact counts under concurrency; views once a day."""

import asyncio

from ..harness import a_merchant, agent, customer


async def vote(kb, merchant, article_id, helpful, sub="cust-1", comment=None):
    body = {"helpful": helpful} | ({"comment": comment} if comment else {})
    response = await kb.http.post(f"/v1/articles/{article_id}/feedback", json=body, headers=customer(merchant, sub))
    assert response.status_code == 200, response.text
    return response.json()


async def test_one_vote_per_user_which_a_second_call_changes(kb):
    merchant = a_merchant()
    article = await kb.article(merchant, publish=True)
    first = await vote(kb, merchant, article["id"], True)
    assert (first["helpful_count"], first["not_helpful_count"], first["helpfulness"]) == (1, 0, 1.0)
    again = await vote(kb, merchant, article["id"], True)
    assert (again["helpful_count"], again["not_helpful_count"]) == (1, 0)
    changed = await vote(kb, merchant, article["id"], False, comment="Did not answer my question")
    assert (changed["helpful_count"], changed["not_helpful_count"], changed["helpfulness"]) == (0, 1, 0.0)
    await vote(kb, merchant, article["id"], True, sub="cust-2")
    read = (await kb.http.get(f"/v1/articles/{article['id']}", headers=agent(merchant))).json()
    assert (read["helpful_count"], read["not_helpful_count"], read["helpfulness"]) == (1, 1, 0.5)
    entries = (await kb.http.get(f"/v1/articles/{article['id']}/feedback", headers=agent(merchant))).json()
    assert {(e["user_id"], e["helpful"], e["comment"]) for e in entries} == {
        ("cust-1", False, "Did not answer my question"), ("cust-2", True, None),
    }  # fmt: skip
    assert (await kb.http.get(f"/v1/articles/{article['id']}/feedback", headers=customer(merchant))).status_code == 403


async def test_counts_stay_exact_under_concurrent_votes(kb):
    merchant = a_merchant()
    article = await kb.article(merchant, publish=True)
    # 30 customers vote at once, 10 of them twice with a changed mind: every user ends with one vote.
    votes = [vote(kb, merchant, article["id"], n % 3 != 0, sub=f"c{n}") for n in range(30)]
    votes += [vote(kb, merchant, article["id"], False, sub=f"c{n}") for n in range(0, 30, 3)]
    await asyncio.gather(*votes)
    read = (await kb.http.get(f"/v1/articles/{article['id']}", headers=agent(merchant))).json()
    assert (read["helpful_count"], read["not_helpful_count"]) == (20, 10)


async def test_customers_cannot_vote_on_a_draft(kb):
    merchant = a_merchant()
    draft = await kb.article(merchant)
    response = await kb.http.post(f"/v1/articles/{draft['id']}/feedback", json={"helpful": True},
                                  headers=customer(merchant))  # fmt: skip
    assert response.status_code == 404


async def test_a_view_counts_once_per_customer_per_day(kb):
    merchant = a_merchant()
    article = await kb.article(merchant, publish=True)
    for sub in ("c1", "c1", "c2", "c1"):
        await kb.http.get(f"/v1/articles/{article['id']}", headers=customer(merchant, sub))
    await kb.http.get(f"/v1/articles/{article['id']}", headers=agent(merchant))
    read = (await kb.http.get(f"/v1/articles/{article['id']}", headers=agent(merchant))).json()
    assert read["view_count"] == 2
