"""initial: agents, groups, memberships, rules, settings, the ticket projection and waiting queue, the assignment
log, metric facts and daily rollups, outbox, inbox, idempotency keys

Revision ID: routing_0001
Revises:
Create Date: 2026-12-01 00:00
"""

from collections.abc import Sequence

from alembic import op

from helpdesk_servicekit.migrations import create_kit_tables, execute_script

revision: str = "routing_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kit_tables(op.get_bind())
    execute_script(
        """
        CREATE TABLE routing_settings (
            merchant_id text NOT NULL,
            offline_policy text NOT NULL DEFAULT 'keep',
            default_strategy text NOT NULL DEFAULT 'least_loaded',
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_routing_settings PRIMARY KEY (merchant_id),
            CONSTRAINT ck_routing_settings_offline_policy CHECK (offline_policy IN ('keep', 'requeue'))
        );
        CREATE TABLE routing_config_versions (
            merchant_id text NOT NULL,
            version bigint NOT NULL DEFAULT 1,
            CONSTRAINT pk_routing_config_versions PRIMARY KEY (merchant_id)
        );
        CREATE TABLE routing_groups (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            name text NOT NULL,
            tier smallint NOT NULL DEFAULT 1,
            is_default boolean NOT NULL DEFAULT false,
            active boolean NOT NULL DEFAULT true,
            rr_last_agent_id text,
            version integer NOT NULL DEFAULT 1,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_routing_groups PRIMARY KEY (merchant_id, id),
            CONSTRAINT ck_routing_groups_tier CHECK (tier BETWEEN 1 AND 3)
        );
        CREATE UNIQUE INDEX uq_routing_groups_default ON routing_groups (merchant_id) WHERE is_default AND active;
        CREATE UNIQUE INDEX uq_routing_groups_name ON routing_groups (merchant_id, lower(name)) WHERE active;
        CREATE TABLE routing_agents (
            merchant_id text NOT NULL,
            user_id text NOT NULL,
            name text NOT NULL,
            email text,
            locale text,
            role text NOT NULL DEFAULT 'agent',
            tier smallint NOT NULL DEFAULT 1,
            skills jsonb NOT NULL DEFAULT '{}',
            max_concurrent_tickets integer NOT NULL DEFAULT 5,
            status text NOT NULL DEFAULT 'offline',
            active boolean NOT NULL DEFAULT true,
            load integer NOT NULL DEFAULT 0,
            last_assigned_at timestamptz,
            status_changed_at timestamptz,
            version integer NOT NULL DEFAULT 1,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_routing_agents PRIMARY KEY (merchant_id, user_id),
            CONSTRAINT ck_routing_agents_tier CHECK (tier BETWEEN 1 AND 3),
            CONSTRAINT ck_routing_agents_load CHECK (load >= 0),
            CONSTRAINT ck_routing_agents_status CHECK (status IN ('online', 'away', 'offline'))
        );
        CREATE TABLE routing_memberships (
            merchant_id text NOT NULL,
            group_id uuid NOT NULL,
            agent_id text NOT NULL,
            CONSTRAINT pk_routing_memberships PRIMARY KEY (merchant_id, group_id, agent_id)
        );
        CREATE INDEX ix_routing_memberships_agent ON routing_memberships (merchant_id, agent_id);
        CREATE TABLE routing_rules (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            position integer NOT NULL,
            name text NOT NULL,
            conditions jsonb NOT NULL DEFAULT '{}',
            group_id uuid NOT NULL,
            strategy text NOT NULL,
            required_skills jsonb NOT NULL DEFAULT '[]',
            active boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_routing_rules PRIMARY KEY (merchant_id, id)
        );
        CREATE INDEX ix_routing_rules_position ON routing_rules (merchant_id, position, id);
        CREATE TABLE routing_tickets (
            merchant_id text NOT NULL,
            ticket_id uuid NOT NULL,
            ticket_version integer NOT NULL,
            status text NOT NULL,
            priority text NOT NULL,
            priority_rank smallint NOT NULL,
            category_id uuid,
            tags text[] NOT NULL DEFAULT '{}',
            escalation_level smallint NOT NULL DEFAULT 1,
            assignee_id text,
            pending_decision boolean NOT NULL DEFAULT false,
            withdrawn_agent_id text,
            group_id uuid,
            strategy text,
            required_skills jsonb NOT NULL DEFAULT '[]',
            min_tier smallint NOT NULL DEFAULT 1,
            queued_at timestamptz,
            ticket_created_at timestamptz NOT NULL,
            first_response_at timestamptz,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_routing_tickets PRIMARY KEY (merchant_id, ticket_id)
        ) WITH (fillfactor = 80);
        CREATE INDEX ix_routing_tickets_queue ON routing_tickets
            (merchant_id, group_id, priority_rank DESC, ticket_created_at, ticket_id) WHERE queued_at IS NOT NULL;
        CREATE INDEX ix_routing_tickets_assignee ON routing_tickets (merchant_id, assignee_id)
            WHERE assignee_id IS NOT NULL;
        CREATE TABLE routing_assignment_log (
            merchant_id text NOT NULL,
            id bigserial NOT NULL,
            ticket_id uuid NOT NULL,
            agent_id text NOT NULL,
            change smallint NOT NULL,
            load_after integer NOT NULL,
            capacity integer NOT NULL,
            reason text NOT NULL,
            at timestamptz NOT NULL DEFAULT clock_timestamp(),
            CONSTRAINT pk_routing_assignment_log PRIMARY KEY (merchant_id, id)
        );
        CREATE INDEX ix_routing_assignment_log_agent ON routing_assignment_log (merchant_id, agent_id, id);
        CREATE TABLE routing_metric_facts (
            merchant_id text NOT NULL,
            event_id uuid NOT NULL,
            kind text NOT NULL,
            agent_id text NOT NULL,
            ticket_id uuid NOT NULL,
            occurred_at timestamptz NOT NULL,
            value double precision,
            CONSTRAINT pk_routing_metric_facts PRIMARY KEY (merchant_id, event_id, kind)
        );
        CREATE INDEX ix_routing_metric_facts_agent ON routing_metric_facts (merchant_id, agent_id, kind, occurred_at);
        CREATE TABLE routing_agent_daily (
            merchant_id text NOT NULL,
            agent_id text NOT NULL,
            day date NOT NULL,
            assigned integer NOT NULL DEFAULT 0,
            resolved integer NOT NULL DEFAULT 0,
            reopened integer NOT NULL DEFAULT 0,
            first_responses integer NOT NULL DEFAULT 0,
            sla_breaches integer NOT NULL DEFAULT 0,
            csat_sum integer NOT NULL DEFAULT 0,
            csat_count integer NOT NULL DEFAULT 0,
            CONSTRAINT pk_routing_agent_daily PRIMARY KEY (merchant_id, agent_id, day)
        )
        """
    )


def downgrade() -> None:
    execute_script(
        """
        DROP TABLE routing_agent_daily;
        DROP TABLE routing_metric_facts;
        DROP TABLE routing_assignment_log;
        DROP TABLE routing_tickets;
        DROP TABLE routing_rules;
        DROP TABLE routing_memberships;
        DROP TABLE routing_agents;
        DROP TABLE routing_groups;
        DROP TABLE routing_settings;
        DROP TABLE routing_config_versions
        """
    )
