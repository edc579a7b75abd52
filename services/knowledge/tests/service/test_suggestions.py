"""Suggestions for new tickets and the ticket form, and the deflection funnel."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from ..harness import a_merchant, agent, customer, eventually, manager


async def three_articles(kb, merchant):
    await kb.article(merchant, publish=True, title="Track your parcel", body="Use the tracking link.")
    await kb.article(merchant, publish=True, title="Lost parcel", body="A parcel lost in transit is refunded.")
    await kb.article(merchant, publish=True, title="Refunds", body="Refunds take five days.")
    await kb.article(merchant, publish=True, title="Paketverfolgung", body="Paket verfolgen.", locale="de")
    await kb.article(merchant, title="Parcel draft", body="parcel parcel parcel")


async def test_a_new_ticket_gets_the_best_published_articles_of_its_merchant_and_language(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)
    await kb.article(a_merchant(), publish=True, title="Parcel elsewhere", body="parcel")
    ticket_id, _ = await kb.ticket_created(merchant, "Where is my parcel?", "The parcel was lost, I want a refund")
    [event] = await eventually(lambda: kb.events("knowledge.articles_suggested", ticket_id=ticket_id))
    articles = event["payload"]["articles"]
    assert [a["title"] for a in articles] == ["Lost parcel", "Refunds", "Track your parcel"]
    assert articles[0]["score"] >= articles[1]["score"] >= articles[2]["score"] > 0
    assert event["payload"]["customer_id"] == "cust-1" and event["merchant_id"] == merchant

    german, _ = await kb.ticket_created(merchant, "Paket", locale="de-AT")
    [event] = await eventually(lambda: kb.events("knowledge.articles_suggested", ticket_id=german))
    assert [a["title"] for a in event["payload"]["articles"]] == ["Paketverfolgung"]


async def test_a_ticket_created_delivered_twice_yields_one_suggestion_event(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)
    ticket_id, envelope = await kb.ticket_created(merchant, "parcel")
    await kb.publisher.publish_envelope(envelope)  # the same event again
    await kb.ticket_created(merchant, "parcel", ticket_id=ticket_id)  # the ticket announced again, a new event id
    await eventually(lambda: kb.events("knowledge.articles_suggested", ticket_id=ticket_id))

    async def all_consumed():
        async with kb.sessions() as session:
            found = await session.execute(
                text("SELECT count(*) FROM processed_events WHERE merchant_id = :m"), {"m": merchant}
            )
            return found.scalar_one() == 2

    await eventually(all_consumed)
    await kb.tap.settle(0.5)
    assert len(kb.events("knowledge.articles_suggested", ticket_id=ticket_id)) == 1


async def test_a_ticket_without_matches_gets_an_empty_suggestion(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)
    ticket_id, _ = await kb.ticket_created(merchant, "Hello", "???", locale=None)
    [event] = await eventually(lambda: kb.events("knowledge.articles_suggested", ticket_id=ticket_id))
    assert event["payload"]["articles"] == []


async def test_the_form_suggests_published_articles_only(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)
    response = await kb.http.get("/v1/kb/suggest", params={"q": "parcel draft"}, headers=customer(merchant))
    body = response.json()
    assert body["suggestion_id"] is not None
    assert "Parcel draft" not in [a["title"] for a in body["articles"]]
    assert [a["title"] for a in body["articles"]][:2] == ["Lost parcel", "Track your parcel"]
    staff = (await kb.http.get("/v1/kb/suggest", params={"q": "parcel"}, headers=agent(merchant))).json()
    assert staff["suggestion_id"] is None and staff["articles"]


async def test_the_deflection_funnel(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)

    async def suggest(sub):
        response = await kb.http.get("/v1/kb/suggest", params={"q": "lost parcel"}, headers=customer(merchant, sub))
        return response.json()

    async def opened(sub, suggestion):
        return await kb.http.post(
            f"/v1/kb/suggestions/{suggestion['suggestion_id']}/opened",
            json={"article_id": suggestion["articles"][0]["article_id"]},
            headers=customer(merchant, sub),
        )

    deflected, followed = await suggest("c-deflected"), await suggest("c-followed")
    await suggest("c-ignored")
    assert (await opened("c-deflected", deflected)).status_code == 204
    assert (await opened("c-deflected", deflected)).status_code == 204  # reported twice: counted once
    assert (await opened("c-followed", followed)).status_code == 204
    assert (await opened("c-other", followed)).status_code == 404  # not the customer it was made for
    wrong_article = await kb.http.post(
        f"/v1/kb/suggestions/{followed['suggestion_id']}/opened",
        json={"article_id": "00000000-0000-0000-0000-000000000000"},
        headers=customer(merchant, "c-followed"),
    )
    assert wrong_article.status_code == 422

    followed_ticket, _ = await kb.ticket_created(merchant, "Still lost", customer_id="c-followed")
    ignored_ticket, _ = await kb.ticket_created(merchant, "Still lost", customer_id="c-ignored")
    for ticket_id in (followed_ticket, ignored_ticket):
        await eventually(lambda t=ticket_id: kb.events("knowledge.articles_suggested", ticket_id=t))
    # Make the deflected one settled: its window is over.
    async with kb.sessions() as session:
        await session.execute(
            text("UPDATE kb_suggestions SET created_at = created_at - interval '2 hours' WHERE id = :id"),
            {"id": deflected["suggestion_id"]},
        )
        await session.commit()

    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    until = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    response = await kb.http.get("/v1/kb/deflection", params={"from": since, "to": until}, headers=manager(merchant))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["form"] == {
        "requests": 3,
        "suggested": 3,
        "opened": 2,
        "opened_then_ticket": 1,
        "deflected": 1,
        "pending": 0,
        "not_opened_then_ticket": 1,
        "deflection_rate": 0.5,
    }
    assert report["new_tickets"] == {"tickets": 2, "suggested": 2, "opened": 0}
    assert (await kb.http.get("/v1/kb/deflection", params={"from": since, "to": until},
                              headers=agent(merchant))).status_code == 403  # fmt: skip
    backwards = await kb.http.get("/v1/kb/deflection", params={"from": until, "to": since}, headers=manager(merchant))
    assert backwards.status_code == 422


async def test_a_ticket_long_after_a_suggestion_does_not_count_against_it(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)
    suggestion = (
        await kb.http.get("/v1/kb/suggest", params={"q": "parcel"}, headers=customer(merchant, "c-late"))
    ).json()
    ticket_id, _ = await kb.ticket_created(
        merchant, "parcel", customer_id="c-late", created_at=datetime.now(UTC) + timedelta(hours=3)
    )
    await eventually(lambda: kb.events("knowledge.articles_suggested", ticket_id=ticket_id))
    async with kb.sessions() as session:
        followed = await session.execute(
            text("SELECT followed_by_ticket_id FROM kb_suggestions WHERE id = :id"),
            {"id": suggestion["suggestion_id"]},
        )
        assert followed.scalar_one() is None


async def test_odd_ticket_text_suggests_or_suggests_nothing_but_never_fails(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)
    for q in ("it's a parcel\\ 'quoted' \"double\"", "a:b & c | !d <-> (e)", "parcel:* & refund:A", "----", "é"):
        response = await kb.http.get("/v1/kb/suggest", params={"q": q}, headers=customer(merchant))
        assert response.status_code == 200, (q, response.text)
    response = await kb.http.get("/v1/kb/suggest", params={"q": "it's my parcel\\"}, headers=customer(merchant))
    assert "Lost parcel" in [a["title"] for a in response.json()["articles"]]
    assert (await kb.http.get("/v1/kb/suggest", params={"q": "\x00"}, headers=customer(merchant))).status_code in (
        400, 422,
    )  # fmt: skip


async def test_the_deflection_report_refuses_instants_out_of_range(kb):
    merchant = a_merchant()
    ranges = [
        ("0001-01-01T00:00:00+14:00", "2026-01-01T00:00:00Z"),
        ("2026-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"),
        ("2026-01-01T00:00:00", "x"),
    ]
    for since, until in ranges:
        response = await kb.http.get("/v1/kb/deflection", params={"from": since, "to": until},
                                     headers=manager(merchant))  # fmt: skip
        assert response.status_code == 422, response.text


async def test_a_ticket_with_a_nul_in_its_text_still_gets_its_suggestion(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)
    ticket_id, _ = await kb.ticket_created(merchant, "lost\x00parcel", "refund\x00 please")
    [event] = await eventually(lambda: kb.events("knowledge.articles_suggested", ticket_id=ticket_id))
    assert event["payload"]["articles"][0]["title"] == "Lost parcel"


async def test_a_tickets_suggestions_are_read_by_its_customer_and_staff_only(kb):
    merchant = a_merchant()
    await three_articles(kb, merchant)
    ticket_id, _ = await kb.ticket_created(merchant, "Where is my parcel?", "The parcel was lost, I want a refund")
    [event] = await eventually(lambda: kb.events("knowledge.articles_suggested", ticket_id=ticket_id))
    path = f"/v1/kb/tickets/{ticket_id}/suggestions"
    mine = await kb.http.get(path, headers=customer(merchant, "cust-1"))
    assert mine.status_code == 200, mine.text
    assert [a["title"] for a in mine.json()["articles"]] == [a["title"] for a in event["payload"]["articles"]]
    assert mine.json()["suggestion_id"] == event["payload"]["suggestion_id"]
    assert (await kb.http.get(path, headers=agent(merchant))).status_code == 200
    assert (await kb.http.get(path, headers=customer(merchant, "someone-else"))).status_code == 404
    assert (await kb.http.get(path, headers=manager(a_merchant()))).status_code == 404
