"""initial: KB categories, articles (versions, generated search vector), feedback, views, suggestions; kit tables

Revision ID: knowledge_0001
Revises:
Create Date: 2026-12-01 04:40
"""

from collections.abc import Sequence

from alembic import op

from helpdesk_servicekit.migrations import create_kit_tables, execute_script

revision: str = "knowledge_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The language -> text-search configuration map (helpdesk_knowledge.domain.locales mirrors it).
SEARCH_CONFIG_CASES = (
    "WHEN 'da' THEN 'pg_catalog.danish'::regconfig "
    "WHEN 'de' THEN 'pg_catalog.german'::regconfig "
    "WHEN 'en' THEN 'pg_catalog.english'::regconfig "
    "WHEN 'es' THEN 'pg_catalog.spanish'::regconfig "
    "WHEN 'fi' THEN 'pg_catalog.finnish'::regconfig "
    "WHEN 'fr' THEN 'pg_catalog.french'::regconfig "
    "WHEN 'hu' THEN 'pg_catalog.hungarian'::regconfig "
    "WHEN 'it' THEN 'pg_catalog.italian'::regconfig "
    "WHEN 'nb' THEN 'pg_catalog.norwegian'::regconfig "
    "WHEN 'nl' THEN 'pg_catalog.dutch'::regconfig "
    "WHEN 'nn' THEN 'pg_catalog.norwegian'::regconfig "
    "WHEN 'no' THEN 'pg_catalog.norwegian'::regconfig "
    "WHEN 'pt' THEN 'pg_catalog.portuguese'::regconfig "
    "WHEN 'ro' THEN 'pg_catalog.romanian'::regconfig "
    "WHEN 'ru' THEN 'pg_catalog.russian'::regconfig "
    "WHEN 'sv' THEN 'pg_catalog.swedish'::regconfig "
    "WHEN 'tr' THEN 'pg_catalog.turkish'::regconfig "
)


def upgrade() -> None:
    create_kit_tables(op.get_bind())
    execute_script(
        f"""
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE EXTENSION IF NOT EXISTS btree_gin;
        CREATE FUNCTION kb_search_config(language text) RETURNS regconfig
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT CASE language {SEARCH_CONFIG_CASES} ELSE 'pg_catalog.simple'::regconfig END $$;
        CREATE FUNCTION kb_document(language text, title text, tags text[], body text) RETURNS tsvector
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT setweight(to_tsvector(kb_search_config(language), title), 'A')
                || setweight(to_tsvector(kb_search_config(language), array_to_string(tags, ' ')), 'B')
                || setweight(to_tsvector(kb_search_config(language), body), 'C') $$;
        CREATE FUNCTION kb_title_document(language text, title text, tags text[]) RETURNS tsvector
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT setweight(to_tsvector(kb_search_config(language), title), 'A')
                || setweight(to_tsvector(kb_search_config(language), array_to_string(tags, ' ')), 'B') $$;
        CREATE TABLE kb_categories (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            parent_id uuid,
            name text NOT NULL,
            description text,
            position integer NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_kb_categories PRIMARY KEY (merchant_id, id),
            CONSTRAINT fk_kb_categories_parent FOREIGN KEY (merchant_id, parent_id)
                REFERENCES kb_categories (merchant_id, id)
        );
        CREATE UNIQUE INDEX uq_kb_categories_name ON kb_categories
            (merchant_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));
        CREATE TABLE kb_articles (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            status text NOT NULL,
            version integer NOT NULL,
            title text NOT NULL,
            slug text NOT NULL,
            locale text NOT NULL,
            language text NOT NULL,
            body_markdown text NOT NULL,
            body_html text NOT NULL,
            body_text text NOT NULL,
            category_id uuid,
            tags text[] NOT NULL DEFAULT '{{}}',
            author_id text NOT NULL,
            updated_by text,
            published_at timestamptz,
            archived_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            search_vector tsvector GENERATED ALWAYS AS (kb_document(language, title, tags, body_text)) STORED,
            title_vector tsvector GENERATED ALWAYS AS (kb_title_document(language, title, tags)) STORED,
            CONSTRAINT pk_kb_articles PRIMARY KEY (merchant_id, id),
            CONSTRAINT ck_kb_articles_status CHECK (status IN ('draft', 'published', 'archived')),
            CONSTRAINT fk_kb_articles_category FOREIGN KEY (merchant_id, category_id)
                REFERENCES kb_categories (merchant_id, id)
        );
        CREATE UNIQUE INDEX uq_kb_articles_slug ON kb_articles (merchant_id, locale, slug);
        CREATE INDEX ix_kb_articles_created ON kb_articles (merchant_id, created_at DESC, id DESC);
        CREATE INDEX ix_kb_articles_language ON kb_articles (merchant_id, language);
        CREATE INDEX ix_kb_articles_search ON kb_articles USING gin (merchant_id, language, search_vector);
        CREATE INDEX ix_kb_articles_title_search ON kb_articles USING gin (merchant_id, language, title_vector);
        CREATE INDEX ix_kb_articles_title_trgm ON kb_articles USING gin (merchant_id, title gin_trgm_ops);
        CREATE TABLE kb_article_versions (
            merchant_id text NOT NULL,
            article_id uuid NOT NULL,
            version integer NOT NULL,
            title text NOT NULL,
            slug text NOT NULL,
            locale text NOT NULL,
            body_markdown text NOT NULL,
            body_html text NOT NULL,
            category_id uuid,
            tags text[] NOT NULL DEFAULT '{{}}',
            restored_from integer,
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_kb_article_versions PRIMARY KEY (merchant_id, article_id, version),
            CONSTRAINT fk_kb_article_versions_article FOREIGN KEY (merchant_id, article_id)
                REFERENCES kb_articles (merchant_id, id)
        );
        CREATE TABLE kb_article_stats (
            merchant_id text NOT NULL,
            article_id uuid NOT NULL,
            helpful_count integer NOT NULL DEFAULT 0,
            not_helpful_count integer NOT NULL DEFAULT 0,
            view_count bigint NOT NULL DEFAULT 0,
            CONSTRAINT pk_kb_article_stats PRIMARY KEY (merchant_id, article_id),
            CONSTRAINT fk_kb_article_stats_article FOREIGN KEY (merchant_id, article_id)
                REFERENCES kb_articles (merchant_id, id)
        );
        CREATE TABLE kb_feedback (
            merchant_id text NOT NULL,
            article_id uuid NOT NULL,
            user_id text NOT NULL,
            helpful boolean NOT NULL,
            comment text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_kb_feedback PRIMARY KEY (merchant_id, article_id, user_id)
        );
        CREATE TABLE kb_article_views (
            merchant_id text NOT NULL,
            article_id uuid NOT NULL,
            user_id text NOT NULL,
            day date NOT NULL,
            CONSTRAINT pk_kb_article_views PRIMARY KEY (merchant_id, article_id, user_id, day)
        );
        CREATE TABLE kb_suggestions (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            source text NOT NULL,
            customer_id text,
            ticket_id uuid,
            query text NOT NULL,
            language text,
            article_ids uuid[] NOT NULL DEFAULT '{{}}',
            created_at timestamptz NOT NULL DEFAULT now(),
            opened_at timestamptz,
            opened_article_ids uuid[] NOT NULL DEFAULT '{{}}',
            followed_by_ticket_id uuid,
            followed_by_ticket_at timestamptz,
            CONSTRAINT pk_kb_suggestions PRIMARY KEY (merchant_id, id),
            CONSTRAINT ck_kb_suggestions_source CHECK (source IN ('form', 'ticket'))
        );
        CREATE UNIQUE INDEX uq_kb_suggestions_ticket ON kb_suggestions (merchant_id, ticket_id)
            WHERE source = 'ticket';
        CREATE INDEX ix_kb_suggestions_customer ON kb_suggestions (merchant_id, customer_id, created_at)
            WHERE source = 'form';
        CREATE INDEX ix_kb_suggestions_created ON kb_suggestions (merchant_id, created_at)
        """
    )


def downgrade() -> None:
    execute_script(
        """
        DROP TABLE kb_suggestions;
        DROP TABLE kb_article_views;
        DROP TABLE kb_feedback;
        DROP TABLE kb_article_stats;
        DROP TABLE kb_article_versions;
        DROP TABLE kb_articles;
        DROP TABLE kb_categories;
        DROP FUNCTION kb_document(text, text, text[], text);
        DROP FUNCTION kb_title_document(text, text, text[]);
        DROP FUNCTION kb_search_config(text)
        """
    )
