"""The article aggregate: states, versions, events."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from helpdesk_contracts.knowledge import ArticleArchived, ArticlePublished
from helpdesk_knowledge.domain.article import (
    Article,
    ArticleContent,
    ArticleStatus,
    StaleVersion,
    TransitionNotAllowed,
    slugify,
)
from helpdesk_knowledge.domain.rendering import render

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def content(**fields):
    return ArticleContent(
        **({"title": "Returns", "slug": "returns", "locale": "en", "body_markdown": "Send it **back**."} | fields)
    )


def a_draft():
    return Article.draft(uuid.uuid4(), "m1", content(), render(content().body_markdown), "agent-1", NOW)


def revise(article, new, when=NOW, expected_version=None):
    article.revise(new, render(new.body_markdown), when, expected_version)


def test_a_new_article_is_a_rendered_draft_at_version_one():
    article = a_draft()
    assert (article.status, article.version) == (ArticleStatus.DRAFT, 1)
    assert article.body_html == "<p>Send it <strong>back</strong>.</p>\n"
    assert article.body_text == "Send it back."
    assert article.events == []


def test_each_save_is_the_next_version():
    article = a_draft()
    revise(article, content(title="Returns 2"), NOW + timedelta(minutes=1))
    revise(article, content(title="Returns 3"), NOW + timedelta(minutes=2))
    assert article.version == 3 and article.content.title == "Returns 3"


def test_a_save_against_an_older_version_is_refused():
    article = a_draft()
    revise(article, content(title="B"), NOW)
    with pytest.raises(StaleVersion):
        revise(article, content(title="C"), NOW, expected_version=1)


def test_publishing_and_archiving_record_their_events():
    article = a_draft()
    article.move_to(ArticleStatus.PUBLISHED, NOW)
    article.move_to(ArticleStatus.ARCHIVED, NOW)
    assert [type(e) for e in article.events] == [ArticlePublished, ArticleArchived]
    assert article.events[0].version == 1  # type: ignore[attr-defined]


def test_an_edit_of_a_published_article_announces_the_new_version():
    article = a_draft()
    article.move_to(ArticleStatus.PUBLISHED, NOW)
    revise(article, content(title="Returns, updated"), NOW)
    assert [e.version for e in article.events] == [1, 2]  # type: ignore[attr-defined]


def test_an_archived_article_goes_back_to_draft_but_not_straight_to_published():
    article = a_draft()
    article.move_to(ArticleStatus.ARCHIVED, NOW)
    with pytest.raises(TransitionNotAllowed) as refused:
        article.move_to(ArticleStatus.PUBLISHED, NOW)
    assert refused.value.allowed == [ArticleStatus.DRAFT]
    article.move_to(ArticleStatus.DRAFT, NOW)
    assert article.status is ArticleStatus.DRAFT


def test_restoring_saves_the_old_content_as_a_new_draft_version():
    article = a_draft()
    revise(article, content(title="Second"), NOW)
    article.move_to(ArticleStatus.PUBLISHED, NOW)
    article.restore(content(), render(content().body_markdown), NOW)
    assert (article.status, article.version, article.content.title) == (ArticleStatus.DRAFT, 3, "Returns")


@pytest.mark.parametrize(
    ("title", "slug"),
    [("How do I return an item?", "how-do-i-return-an-item"), ("Größe ändern", "grosse-andern"), ("???", "")],
)
def test_slugs_come_from_titles(title, slug):
    assert slugify(title) == slug
