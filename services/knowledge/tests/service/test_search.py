"""Full-text search: weighted ranking, web-search syntax, typo tolerance, locales, snippets, visibility."""

from ..harness import a_merchant, agent, customer


async def test_a_title_match_ranks_above_a_body_only_match(kb):
    merchant = a_merchant()
    await kb.article(merchant, publish=True, title="Shipping times", body="Refunds are explained elsewhere.")
    await kb.article(merchant, publish=True, title="Refund policy", body="Money back within 14 days.")
    await kb.article(merchant, publish=True, title="Gift cards", body="Cards cannot be refunded or exchanged.")
    found = await kb.search(merchant, "refund")
    assert found[0] == "Refund policy"
    assert set(found[1:]) == {"Shipping times", "Gift cards"}


async def test_a_tag_match_ranks_between_title_and_body_matches(kb):
    merchant = a_merchant()
    await kb.article(merchant, publish=True, title="Parcel lost", body="Ask the courier.")
    await kb.article(merchant, publish=True, title="Delivery", body="We ship daily.", tags=["parcel"])
    await kb.article(merchant, publish=True, title="Packaging", body="Every parcel is recycled.")
    assert await kb.search(merchant, "parcel") == ["Parcel lost", "Delivery", "Packaging"]


async def test_quoted_phrases_match_only_the_words_in_that_order(kb):
    merchant = a_merchant()
    await kb.article(merchant, publish=True, title="Labels", body="Print the return label from your account.")
    await kb.article(merchant, publish=True, title="Stickers", body="The label shows where to return it.")
    assert await kb.search(merchant, '"return label"') == ["Labels"]
    assert set(await kb.search(merchant, "return label")) == {"Labels", "Stickers"}


async def test_excluded_words_remove_articles_and_or_widens(kb):
    merchant = a_merchant()
    await kb.article(merchant, publish=True, title="Refund by card", body="Card refunds take five days.")
    await kb.article(merchant, publish=True, title="Refund by voucher", body="Vouchers arrive by email.")
    await kb.article(merchant, publish=True, title="Exchanges", body="Swap a size in store.")
    assert await kb.search(merchant, "refund -voucher") == ["Refund by card"]
    assert set(await kb.search(merchant, "voucher or exchanges")) == {"Refund by voucher", "Exchanges"}


async def test_a_one_letter_typo_in_a_title_word_still_finds_it(kb):
    merchant = a_merchant()
    await kb.article(merchant, publish=True, title="Resetting your password", body="Use the link we email you.")
    await kb.article(merchant, publish=True, title="Delivery areas", body="We deliver across Europe.")
    assert await kb.search(merchant, "pasword") == ["Resetting your password"]
    assert await kb.search(merchant, "passwort") == ["Resetting your password"]
    assert await kb.search(merchant, "delivry") == ["Delivery areas"]


async def test_each_language_is_stemmed_in_its_own_configuration(kb):
    merchant = a_merchant()
    await kb.article(merchant, publish=True, title="Rücksendungen", body="Wir erstatten Bestellungen.", locale="de")
    await kb.article(merchant, publish=True, title="Orders", body="Your ordered items ship fast.", locale="en-GB")
    assert await kb.search(merchant, "Bestellung", locale="de") == ["Rücksendungen"]
    assert await kb.search(merchant, "order", locale="en") == ["Orders"]
    assert await kb.search(merchant, "order", locale="de") == []
    assert await kb.search(merchant, "bestellung") == ["Rücksendungen"]  # every language when none is given


async def test_customers_search_published_articles_only_and_staff_see_every_state(kb):
    merchant = a_merchant()
    await kb.article(merchant, title="Warranty draft", body="warranty")
    archived = await kb.article(merchant, publish=True, title="Warranty old", body="warranty")
    await kb.http.post(f"/v1/articles/{archived['id']}/archive", headers=agent(merchant))
    await kb.article(merchant, publish=True, title="Warranty", body="warranty")
    assert await kb.search(merchant, "warranty") == ["Warranty"]
    assert await kb.search(merchant, "warranty", status="draft") == ["Warranty"]
    staff = await kb.search(merchant, "warranty", headers=agent(merchant))
    assert set(staff) == {"Warranty", "Warranty draft", "Warranty old"}
    assert await kb.search(merchant, "warranty", headers=agent(merchant), status="draft") == ["Warranty draft"]
    assert await kb.search(a_merchant(), "warranty") == []


async def test_snippets_highlight_matches_as_safe_html(kb):
    merchant = a_merchant()
    body = "Some text. Our refund rules: 2 < 3 & a refund is paid to the card you used. More text follows here."
    await kb.article(merchant, publish=True, title="Money back", body=body)
    response = await kb.http.get("/v1/articles/search", params={"q": "refund"}, headers=customer(merchant))
    snippet = response.json()["items"][0]["snippet"]
    assert "<mark>refund</mark>" in snippet
    assert "2 &lt; 3 &amp; a" in snippet


async def test_search_filters_by_tag_and_category_and_pages_by_offset(kb):
    merchant = a_merchant()
    category = (await kb.http.post("/v1/kb/categories", json={"name": "Billing"}, headers=agent(merchant)))
    assert category.status_code == 403
    for n in range(3):
        await kb.article(merchant, publish=True, title=f"Invoice {n}", body="invoice", tags=["billing"] if n else [])
    assert set(await kb.search(merchant, "invoice", tag="Billing")) == {"Invoice 1", "Invoice 2"}
    first = await kb.http.get("/v1/articles/search", params={"q": "invoice", "limit": 2}, headers=customer(merchant))
    assert len(first.json()["items"]) == 2 and first.json()["next_offset"] == 2
    rest = await kb.http.get(
        "/v1/articles/search", params={"q": "invoice", "limit": 2, "offset": 2}, headers=customer(merchant)
    )
    assert len(rest.json()["items"]) == 1 and rest.json()["next_offset"] is None


async def test_odd_queries_are_answered_or_refused_never_failed(kb):
    merchant = a_merchant()
    await kb.article(merchant, publish=True, title="Returns", body="returns")
    for q in ("the", "-", '"', "or", "!!! & | ( ) : *", "'", "a" * 500, "ünïcödé ✓", "-returns", "\\"):
        response = await kb.http.get("/v1/articles/search", params={"q": q}, headers=customer(merchant))
        assert response.status_code == 200, (q, response.text)
    for params in ({"q": "\x00"}, {"q": ""}, {"q": "x", "locale": "\x00"}, {"q": "a" * 501}):
        response = await kb.http.get("/v1/articles/search", params=params, headers=customer(merchant))
        assert response.status_code in (400, 422), params


async def test_the_sql_language_map_matches_the_python_one(kb):
    from sqlalchemy import text

    from helpdesk_knowledge.domain.locales import SEARCH_CONFIGS, search_config

    languages = [*SEARCH_CONFIGS, "ja", "xx"]
    async with kb.sessions() as session:
        rows = await session.execute(
            text("SELECT l, kb_search_config(l)::text FROM unnest(CAST(:ls AS text[])) AS l"), {"ls": languages}
        )
        assert {l: c for l, c in rows} == {l: search_config(l) for l in languages}  # noqa: E741
