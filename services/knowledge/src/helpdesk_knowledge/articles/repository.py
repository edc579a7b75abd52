"""Queries on articles, their versions and their counters. The only place with article SQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_knowledge.domain.article import Article, ArticleContent, ArticleStatus

SUMMARY_COLUMNS = """
    a.id, a.title, a.slug, a.locale, a.status, a.version, a.category_id, a.tags, a.author_id, a.created_at,
    a.updated_at, a.published_at, a.archived_at,
    coalesce(s.helpful_count, 0) AS helpful_count, coalesce(s.not_helpful_count, 0) AS not_helpful_count,
    coalesce(s.view_count, 0) AS view_count
"""
READ_COLUMNS = SUMMARY_COLUMNS + ", a.body_markdown, a.body_html"
FROM_ARTICLES = (
    " FROM kb_articles a LEFT JOIN kb_article_stats s ON s.merchant_id = a.merchant_id AND s.article_id = a.id"
)


class SlugTaken(Exception):
    pass


class UnknownCategory(Exception):
    pass


async def load(session: AsyncSession, merchant_id: str, article_id: uuid.UUID, *, lock: bool) -> Article | None:
    """The aggregate, locked for update when it is about to change."""
    row = (
        await session.execute(
            text(
                "SELECT id, merchant_id, status, version, title, slug, locale, body_markdown, body_html, body_text,"
                " category_id, tags, author_id, published_at, archived_at, updated_at"
                " FROM kb_articles WHERE merchant_id = :m AND id = :id" + (" FOR UPDATE" if lock else "")
            ),
            {"m": merchant_id, "id": article_id},
        )
    ).first()
    if row is None:
        return None
    content = ArticleContent(row.title, row.slug, row.locale, row.body_markdown, row.category_id, tuple(row.tags))
    return Article(
        id=row.id,
        merchant_id=row.merchant_id,
        status=ArticleStatus(row.status),
        version=row.version,
        content=content,
        author_id=row.author_id,
        body_html=row.body_html,
        body_text=row.body_text,
        published_at=row.published_at,
        archived_at=row.archived_at,
        updated_at=row.updated_at,
    )


def _values(article: Article, user_id: str) -> dict[str, Any]:
    c = article.content
    return {
        "m": article.merchant_id,
        "id": article.id,
        "status": article.status.value,
        "version": article.version,
        "title": c.title,
        "slug": c.slug,
        "locale": c.locale,
        "language": c.language,
        "body_markdown": c.body_markdown,
        "body_html": article.body_html,
        "body_text": article.body_text,
        "category_id": c.category_id,
        "tags": list(c.tags),
        "author_id": article.author_id,
        "user": user_id,
        "published_at": article.published_at,
        "archived_at": article.archived_at,
        "now": article.updated_at,
    }


async def insert(session: AsyncSession, article: Article, user_id: str, restored_from: int | None = None) -> None:
    await _guarded(
        session,
        "INSERT INTO kb_articles (merchant_id, id, status, version, title, slug, locale, language, body_markdown,"
        " body_html, body_text, category_id, tags, author_id, updated_by, published_at, archived_at, created_at,"
        " updated_at) VALUES (:m, :id, :status, :version, :title, :slug, :locale, :language, :body_markdown,"
        " :body_html, :body_text, :category_id, :tags, :author_id, :user, :published_at, :archived_at, :now, :now)",
        _values(article, user_id),
    )
    await session.execute(
        text("INSERT INTO kb_article_stats (merchant_id, article_id) VALUES (:m, :id)"),
        {"m": article.merchant_id, "id": article.id},
    )
    await insert_version(session, article, user_id, restored_from)


async def save(session: AsyncSession, article: Article, user_id: str, restored_from: int | None = None) -> None:
    """Write the aggregate back; a content change also stores its version."""
    if article.content_changed:
        await _guarded(
            session,
            "UPDATE kb_articles SET status = :status, version = :version, title = :title, slug = :slug,"
            " locale = :locale, language = :language, body_markdown = :body_markdown, body_html = :body_html,"
            " body_text = :body_text, category_id = :category_id, tags = :tags, updated_by = :user,"
            " published_at = :published_at, archived_at = :archived_at, updated_at = :now"
            " WHERE merchant_id = :m AND id = :id",
            _values(article, user_id),
        )
        await insert_version(session, article, user_id, restored_from)
    else:
        await session.execute(
            text(
                "UPDATE kb_articles SET status = :status, updated_by = :user, published_at = :published_at,"
                " archived_at = :archived_at, updated_at = :now WHERE merchant_id = :m AND id = :id"
            ),
            {k: v for k, v in _values(article, user_id).items() if k in ("m", "id", "status", "user", "published_at",
                                                                         "archived_at", "now")},
        )  # fmt: skip


async def _guarded(session: AsyncSession, sql: str, values: dict[str, Any]) -> None:
    """Run a write inside a savepoint, turning the slug and category constraints into domain errors."""
    try:
        async with session.begin_nested():
            await session.execute(text(sql), values)
    except IntegrityError as exc:
        message = str(exc.orig)
        if "uq_kb_articles_slug" in message:
            raise SlugTaken from None
        if "fk_kb_articles_category" in message:
            raise UnknownCategory from None
        raise


async def insert_version(session: AsyncSession, article: Article, user_id: str, restored_from: int | None) -> None:
    values = _values(article, user_id) | {"restored_from": restored_from}
    await session.execute(
        text(
            "INSERT INTO kb_article_versions (merchant_id, article_id, version, title, slug, locale, body_markdown,"
            " body_html, category_id, tags, restored_from, created_by, created_at) VALUES (:m, :id, :version,"
            " :title, :slug, :locale, :body_markdown, :body_html, :category_id, :tags, :restored_from, :user, :now)"
        ),
        values,
    )


async def read(
    session: AsyncSession, merchant_id: str, article_id: uuid.UUID, *, published_only: bool
) -> Row[Any] | None:
    sql = f"SELECT {READ_COLUMNS}{FROM_ARTICLES} WHERE a.merchant_id = :m AND a.id = :id"
    if published_only:
        sql += " AND a.status = 'published'"
    return (await session.execute(text(sql), {"m": merchant_id, "id": article_id})).first()


async def list_page(
    session: AsyncSession,
    merchant_id: str,
    *,
    statuses: list[str] | None,
    category_id: uuid.UUID | None,
    tag: str | None,
    locale: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """Newest first; `locale` with a region matches exactly, a bare language matches all its regions."""
    conditions = ["a.merchant_id = :m"]
    values: dict[str, Any] = {"m": merchant_id, "limit": limit}
    if statuses is not None:
        conditions.append("a.status = ANY(:statuses)")
        values["statuses"] = statuses
    if category_id is not None:
        conditions.append("(a.category_id = :category OR a.category_id IN"
                          " (SELECT id FROM kb_categories WHERE merchant_id = :m AND parent_id = :category))")
        values["category"] = category_id
    if tag is not None:
        conditions.append("a.tags @> ARRAY[CAST(:tag AS text)]")
        values["tag"] = tag
    if locale is not None:
        conditions.append("a.locale = :locale" if "-" in locale else "a.language = :locale")
        values["locale"] = locale
    if after is not None:
        conditions.append("(a.created_at, a.id) < (:after_at, :after_id)")
        values["after_at"], values["after_id"] = after
    sql = (
        f"SELECT {SUMMARY_COLUMNS}{FROM_ARTICLES} WHERE {' AND '.join(conditions)}"
        " ORDER BY a.created_at DESC, a.id DESC LIMIT :limit"
    )
    return list((await session.execute(text(sql), values)).all())


async def versions(session: AsyncSession, merchant_id: str, article_id: uuid.UUID) -> list[Row[Any]]:
    return list(
        (
            await session.execute(
                text(
                    "SELECT article_id, version, title, slug, locale, body_markdown, body_html, category_id, tags,"
                    " restored_from, created_by, created_at FROM kb_article_versions"
                    " WHERE merchant_id = :m AND article_id = :id ORDER BY version DESC"
                ),
                {"m": merchant_id, "id": article_id},
            )
        ).all()
    )


async def version(session: AsyncSession, merchant_id: str, article_id: uuid.UUID, number: int) -> Row[Any] | None:
    return (
        await session.execute(
            text(
                "SELECT article_id, version, title, slug, locale, body_markdown, body_html, category_id, tags,"
                " restored_from, created_by, created_at FROM kb_article_versions"
                " WHERE merchant_id = :m AND article_id = :id AND version = :v"
            ),
            {"m": merchant_id, "id": article_id, "v": number},
        )
    ).first()
