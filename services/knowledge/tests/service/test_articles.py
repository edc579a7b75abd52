"""Articles over HTTP: who sees what, versions, restore, slugs, categories of the merchant only."""

import uuid

from sqlalchemy import text

from ..harness import a_merchant, agent, an_article, customer, eventually, manager


async def test_a_customer_never_sees_a_draft_or_archived_article_by_id_or_in_the_list(kb):
    merchant = a_merchant()
    draft = await kb.article(merchant, title="Draft one")
    archived = await kb.article(merchant, publish=True, title="Old one")
    await kb.http.post(f"/v1/articles/{archived['id']}/archive", headers=agent(merchant))
    published = await kb.article(merchant, publish=True, title="Live one")

    for hidden in (draft, archived):
        response = await kb.http.get(f"/v1/articles/{hidden['id']}", headers=customer(merchant))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await kb.http.get(f"/v1/articles/{published['id']}", headers=customer(merchant))).status_code == 200

    listed = await kb.http.get("/v1/articles", headers=customer(merchant))
    assert [a["title"] for a in listed.json()["items"]] == ["Live one"]
    drafts = await kb.http.get("/v1/articles", params={"status": "draft"}, headers=customer(merchant))
    assert drafts.json()["items"] == []
    staff = await kb.http.get("/v1/articles", headers=agent(merchant))
    assert {a["title"] for a in staff.json()["items"]} == {"Draft one", "Old one", "Live one"}


async def test_another_merchants_article_is_not_found_for_every_role(kb):
    mine, theirs = a_merchant(), a_merchant()
    article = await kb.article(theirs, publish=True)
    for headers in (customer(mine), agent(mine), manager(mine)):
        assert (await kb.http.get(f"/v1/articles/{article['id']}", headers=headers)).status_code == 404
    response = await kb.http.put(f"/v1/articles/{article['id']}", json=an_article(), headers=agent(mine))
    assert response.status_code == 404
    assert (await kb.http.post(f"/v1/articles/{article['id']}/publish", headers=agent(mine))).status_code == 404
    feedback = await kb.http.post(f"/v1/articles/{article['id']}/feedback", json={"helpful": True},
                                  headers=customer(mine))  # fmt: skip
    assert feedback.status_code == 404


async def test_customers_cannot_write_articles(kb):
    merchant = a_merchant()
    response = await kb.http.post("/v1/articles", json=an_article(), headers=customer(merchant))
    assert response.status_code == 403


async def test_three_saves_give_three_versions_and_restore_makes_a_draft_equal_to_the_chosen_one(kb):
    merchant = a_merchant()
    article = await kb.article(merchant, title="Shipping times", body="Two days.", tags=["Shipping"])
    for title, body in (("Shipping times (EU)", "Three days."), ("Shipping times (world)", "A week.")):
        response = await kb.http.put(
            f"/v1/articles/{article['id']}", json=an_article(title=title, body=body), headers=agent(merchant)
        )
        assert response.status_code == 200, response.text
    await kb.publish(merchant, article["id"])

    versions = (await kb.http.get(f"/v1/articles/{article['id']}/versions", headers=agent(merchant))).json()
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert versions[2]["title"] == "Shipping times" and versions[2]["tags"] == ["shipping"]

    restored = await kb.http.post(f"/v1/articles/{article['id']}/versions/1/restore", headers=agent(merchant))
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert (body["status"], body["version"]) == ("draft", 4)
    first = versions[2]
    for name in ("title", "slug", "locale", "body_markdown", "body_html", "category_id", "tags"):
        assert body[name] == first[name], name
    latest = (await kb.http.get(f"/v1/articles/{article['id']}/versions/4", headers=agent(merchant))).json()
    assert latest["restored_from"] == 1
    assert (await kb.http.get(f"/v1/articles/{article['id']}", headers=customer(merchant))).status_code == 404


async def test_the_stored_html_is_sanitized(kb):
    merchant = a_merchant()
    body = '<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> [ok](https://a.example)'
    article = await kb.article(merchant, body=body)
    async with kb.sessions() as session:
        stored = (
            await session.execute(
                text("SELECT body_html FROM kb_articles WHERE merchant_id = :m AND id = :id"),
                {"m": merchant, "id": uuid.UUID(article["id"])},
            )
        ).scalar_one()
    assert "<script" not in stored and "<img" not in stored and 'href="javascript' not in stored
    assert '<a href="https://a.example" rel="noopener noreferrer nofollow">ok</a>' in stored


async def test_a_slug_is_unique_per_merchant_and_locale(kb):
    merchant = a_merchant()
    await kb.article(merchant, title="Returns")
    taken = await kb.http.post("/v1/articles", json=an_article(title="Returns"), headers=agent(merchant))
    assert taken.status_code == 409
    other_locale = await kb.http.post(
        "/v1/articles", json=an_article(title="Returns", locale="de-AT"), headers=agent(merchant)
    )
    assert other_locale.status_code == 201 and other_locale.json()["locale"] == "de-AT"
    elsewhere = await kb.http.post("/v1/articles", json=an_article(title="Returns"), headers=agent(a_merchant()))
    assert elsewhere.status_code == 201


async def test_a_save_against_a_stale_version_is_a_conflict(kb):
    merchant = a_merchant()
    article = await kb.article(merchant)
    await kb.http.put(f"/v1/articles/{article['id']}", json=an_article(expected_version=1), headers=agent(merchant))
    stale = await kb.http.put(
        f"/v1/articles/{article['id']}", json=an_article(expected_version=1), headers=agent(merchant)
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == 2


async def test_publish_and_archive_are_announced(kb):
    merchant = a_merchant()
    article = await kb.article(merchant, publish=True, tags=["Returns"])
    await kb.http.post(f"/v1/articles/{article['id']}/archive", headers=agent(merchant))
    refused = await kb.http.post(f"/v1/articles/{article['id']}/publish", headers=agent(merchant))
    assert refused.status_code == 409 and refused.json()["allowed"] == ["draft"]
    await eventually(lambda: kb.events("article.archived", article_id=article["id"]))
    published = kb.events("article.published", article_id=article["id"])
    assert len(published) == 1
    assert published[0]["payload"]["tags"] == ["returns"] and published[0]["payload"]["version"] == 1
    assert published[0]["merchant_id"] == merchant


async def test_an_article_may_only_name_a_category_of_its_merchant(kb):
    merchant, other = a_merchant(), a_merchant()
    category = await kb.http.post("/v1/kb/categories", json={"name": "Orders"}, headers=manager(other))
    response = await kb.http.post(
        "/v1/articles", json=an_article(category_id=category.json()["id"]), headers=agent(merchant)
    )
    assert response.status_code == 422


async def test_nul_bytes_and_bad_locales_are_refused_without_changing_anything(kb):
    merchant = a_merchant()
    for bad in (an_article(title="a\x00b"), an_article(body="x\x00"), an_article(tags=["a\x00"]),
                an_article(locale="\x00en"), an_article(locale="english!")):  # fmt: skip
        response = await kb.http.post("/v1/articles", json=bad, headers=agent(merchant))
        assert response.status_code == 422, response.text
    for params in ({"tag": "\x00"}, {"locale": "e\x00"}, {"cursor": "\x00"}):
        assert (await kb.http.get("/v1/articles", params=params, headers=agent(merchant))).status_code in (400, 422)
    assert (await kb.http.get("/v1/articles", headers=agent(merchant))).json()["items"] == []


async def test_the_list_pages_newest_first_and_filters_by_tag_locale_and_category(kb):
    merchant = a_merchant()
    parent = (await kb.http.post("/v1/kb/categories", json={"name": "Orders"}, headers=manager(merchant))).json()
    child = (
        await kb.http.post("/v1/kb/categories", json={"name": "Returns", "parent_id": parent["id"]},
                           headers=manager(merchant))
    ).json()  # fmt: skip
    await kb.article(merchant, title="A", tags=["VIP"], category_id=child["id"])
    await kb.article(merchant, title="B", locale="de-DE")
    await kb.article(merchant, title="C", locale="de-AT")

    first = (await kb.http.get("/v1/articles", params={"limit": 2}, headers=agent(merchant))).json()
    second = (
        await kb.http.get("/v1/articles", params={"limit": 2, "cursor": first["next_cursor"]}, headers=agent(merchant))
    ).json()
    assert [a["title"] for a in first["items"] + second["items"]] == ["C", "B", "A"]
    assert second["next_cursor"] is None

    async def titles(**params):
        response = await kb.http.get("/v1/articles", params=params, headers=agent(merchant))
        return [a["title"] for a in response.json()["items"]]

    assert await titles(tag="vip") == ["A"]
    assert await titles(locale="de") == ["C", "B"]
    assert await titles(locale="de-AT") == ["C"]
    assert await titles(category=parent["id"]) == ["A"]


async def test_a_forged_cursor_is_refused(kb):
    from helpdesk_servicekit.pagination import encode_cursor

    merchant = a_merchant()
    for cursor in (encode_cursor("0001-01-01T00:00:00+14:00", str(uuid.uuid4())), encode_cursor(1, 2),
                   encode_cursor("2026-01-01T00:00:00Z"), "!!!"):  # fmt: skip
        response = await kb.http.get("/v1/articles", params={"cursor": cursor}, headers=agent(merchant))
        assert response.status_code == 422, response.text


async def test_a_save_without_slug_or_locale_keeps_them(kb):
    merchant = a_merchant()
    article = await kb.article(merchant, title="Rücksendung", locale="de-AT", slug="ruecksendung")
    body = {"title": "Rücksendung neu", "body": "Neu."}
    saved = await kb.http.put(f"/v1/articles/{article['id']}", json=body, headers=agent(merchant))
    assert (saved.json()["slug"], saved.json()["locale"], saved.json()["title"]) == (
        "ruecksendung", "de-AT", "Rücksendung neu",
    )  # fmt: skip
