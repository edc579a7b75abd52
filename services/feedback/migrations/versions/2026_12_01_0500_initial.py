"""initial: survey settings, ticket projection, invitations, responses, rollups, feature requests and votes

Revision ID: feedback_0001
Revises:
Create Date: 2026-12-01 05:00
"""

from collections.abc import Sequence

from alembic import op

from helpdesk_servicekit.migrations import create_kit_tables, execute_script

revision: str = "feedback_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kit_tables(op.get_bind(), timers=True)
    execute_script(
        """
        CREATE TABLE survey_settings (
            merchant_id text NOT NULL,
            survey_type text NOT NULL,
            enabled boolean NOT NULL,
            trigger text NOT NULL,
            delay_seconds integer NOT NULL,
            expiry_seconds integer NOT NULL,
            question text NOT NULL,
            include_auto_closed boolean NOT NULL,
            updated_by text,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_survey_settings PRIMARY KEY (merchant_id, survey_type),
            CONSTRAINT ck_survey_settings_type CHECK (survey_type IN ('csat', 'nps', 'ces')),
            CONSTRAINT ck_survey_settings_trigger CHECK (trigger IN ('resolved', 'closed'))
        );
        CREATE TABLE survey_tickets (
            merchant_id text NOT NULL,
            ticket_id uuid NOT NULL,
            version integer NOT NULL,
            number integer,
            customer_id text NOT NULL,
            customer_email text,
            customer_name text,
            locale text,
            status text NOT NULL,
            assignee_id text,
            category_id uuid,
            reopens jsonb NOT NULL DEFAULT '[]',
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_survey_tickets PRIMARY KEY (merchant_id, ticket_id)
        );
        CREATE TABLE survey_invitations (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            episode integer NOT NULL,
            survey_type text NOT NULL,
            status text NOT NULL,
            due_at timestamptz NOT NULL,
            token_hash text,
            question text,
            customer_id text NOT NULL,
            agent_id text,
            category_id uuid,
            sent_at timestamptz,
            expires_at timestamptz,
            responded_at timestamptz,
            cancelled_reason text,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_survey_invitations PRIMARY KEY (merchant_id, id),
            CONSTRAINT uq_survey_invitations_episode UNIQUE (merchant_id, ticket_id, episode, survey_type),
            CONSTRAINT ck_survey_invitations_status CHECK (status IN ('scheduled', 'sent', 'answered', 'cancelled'))
        );
        CREATE UNIQUE INDEX uq_survey_invitations_token_hash ON survey_invitations (token_hash)
            WHERE token_hash IS NOT NULL;
        CREATE TABLE survey_responses (
            merchant_id text NOT NULL,
            invitation_id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            survey_type text NOT NULL,
            score smallint NOT NULL,
            comment text,
            agent_id text,
            category_id uuid,
            responded_at timestamptz NOT NULL,
            CONSTRAINT pk_survey_responses PRIMARY KEY (merchant_id, invitation_id)
        );
        CREATE INDEX ix_survey_responses_type_time ON survey_responses (merchant_id, survey_type, responded_at);
        CREATE INDEX ix_survey_responses_agent_time
            ON survey_responses (merchant_id, agent_id, survey_type, responded_at);
        CREATE TABLE survey_rollups (
            merchant_id text NOT NULL,
            survey_type text NOT NULL,
            grain smallint NOT NULL,
            agent_id text NOT NULL,
            category_id uuid NOT NULL,
            day date NOT NULL,
            invited integer NOT NULL DEFAULT 0,
            answered integer NOT NULL DEFAULT 0,
            scores integer[] NOT NULL DEFAULT '{0,0,0,0,0,0,0,0,0,0,0}',
            CONSTRAINT pk_survey_rollups PRIMARY KEY (merchant_id, survey_type, grain, agent_id, category_id, day),
            CONSTRAINT ck_survey_rollups_grain CHECK (grain BETWEEN 0 AND 3)
        );
        CREATE TABLE feature_requests (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            title text NOT NULL,
            description text NOT NULL DEFAULT '',
            status text NOT NULL DEFAULT 'open',
            author_id text NOT NULL,
            author_role text NOT NULL,
            vote_count integer NOT NULL DEFAULT 0,
            ticket_count integer NOT NULL DEFAULT 0,
            merged_into_id uuid,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            status_changed_at timestamptz,
            CONSTRAINT pk_feature_requests PRIMARY KEY (merchant_id, id),
            CONSTRAINT ck_feature_requests_status
                CHECK (status IN ('open', 'under_review', 'planned', 'in_progress', 'done', 'declined'))
        );
        CREATE INDEX ix_feature_requests_votes
            ON feature_requests (merchant_id, vote_count DESC, created_at DESC, id DESC);
        CREATE INDEX ix_feature_requests_newest ON feature_requests (merchant_id, created_at DESC, id DESC);
        CREATE INDEX ix_feature_requests_status ON feature_requests (merchant_id, status, created_at DESC, id DESC);
        CREATE TABLE feature_request_votes (
            merchant_id text NOT NULL,
            feature_request_id uuid NOT NULL,
            user_id text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_feature_request_votes PRIMARY KEY (merchant_id, feature_request_id, user_id)
        );
        CREATE TABLE feature_request_tickets (
            merchant_id text NOT NULL,
            feature_request_id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            linked_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_feature_request_tickets PRIMARY KEY (merchant_id, feature_request_id, ticket_id)
        )
        """
    )


def downgrade() -> None:
    for table in (
        "feature_request_tickets",
        "feature_request_votes",
        "feature_requests",
        "survey_rollups",
        "survey_responses",
        "survey_invitations",
        "survey_tickets",
        "survey_settings",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
