"""initial: calendars, policies (versioned), tickets and their facts, clocks, timers, outbox, inbox, idempotency keys

Revision ID: sla_0001
Revises:
Create Date: 2026-11-27 00:00
"""

from collections.abc import Sequence

from alembic import op

from helpdesk_servicekit.migrations import create_kit_tables, execute_script

revision: str = "sla_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Ticket and clock rows are rewritten each time a timer fires; room on their pages keeps those updates HOT.
    create_kit_tables(op.get_bind())
    execute_script(
        """
        CREATE TABLE sla_calendars (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            current_version integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_sla_calendars PRIMARY KEY (merchant_id, id)
        );
        CREATE TABLE sla_calendar_versions (
            merchant_id text NOT NULL,
            calendar_id uuid NOT NULL,
            version integer NOT NULL,
            name text NOT NULL,
            time_zone text NOT NULL,
            always_open boolean NOT NULL,
            weekly_hours jsonb NOT NULL DEFAULT '[]',
            holidays jsonb NOT NULL DEFAULT '[]',
            created_by text,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_sla_calendar_versions PRIMARY KEY (merchant_id, calendar_id, version),
            CONSTRAINT fk_sla_calendar_versions_calendar FOREIGN KEY (merchant_id, calendar_id)
                REFERENCES sla_calendars (merchant_id, id)
        );
        CREATE TABLE sla_policies (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            current_version integer NOT NULL,
            active boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_sla_policies PRIMARY KEY (merchant_id, id)
        );
        CREATE TABLE sla_policy_versions (
            merchant_id text NOT NULL,
            policy_id uuid NOT NULL,
            version integer NOT NULL,
            name text NOT NULL,
            priority text NOT NULL,
            category_id uuid,
            tags text[] NOT NULL DEFAULT '{}',
            position integer NOT NULL DEFAULT 0,
            first_response_seconds double precision,
            next_response_seconds double precision,
            resolution_seconds double precision,
            warn_before_seconds double precision,
            warn_at_percent double precision,
            pause_statuses text[] NOT NULL,
            calendar_id uuid,
            escalation jsonb NOT NULL DEFAULT '[]',
            created_by text,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_sla_policy_versions PRIMARY KEY (merchant_id, policy_id, version),
            CONSTRAINT fk_sla_policy_versions_policy FOREIGN KEY (merchant_id, policy_id)
                REFERENCES sla_policies (merchant_id, id)
        );
        CREATE TABLE sla_tickets (
            merchant_id text NOT NULL,
            ticket_id uuid NOT NULL,
            ticket_version bigint NOT NULL,
            status text NOT NULL,
            priority text NOT NULL,
            category_id uuid,
            tags text[] NOT NULL DEFAULT '{}',
            escalation_level integer NOT NULL DEFAULT 1,
            policy_id uuid,
            policy_version integer,
            calendar_version integer,
            ticket_created_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_sla_tickets PRIMARY KEY (merchant_id, ticket_id)
        ) WITH (fillfactor = 80);
        CREATE TABLE sla_ticket_facts (
            merchant_id text NOT NULL,
            ticket_id uuid NOT NULL,
            version bigint NOT NULL,
            seq smallint NOT NULL,
            event_id uuid,
            at timestamptz NOT NULL,
            status text NOT NULL,
            priority text NOT NULL,
            category_id uuid,
            tags text[] NOT NULL DEFAULT '{}',
            author text,
            escalation_level integer NOT NULL DEFAULT 1,
            placement_resolved boolean NOT NULL DEFAULT false,
            policy_id uuid,
            policy_version integer,
            calendar_version integer,
            replan boolean NOT NULL DEFAULT false,
            CONSTRAINT pk_sla_ticket_facts PRIMARY KEY (merchant_id, ticket_id, version, seq),
            CONSTRAINT fk_sla_ticket_facts_ticket FOREIGN KEY (merchant_id, ticket_id)
                REFERENCES sla_tickets (merchant_id, ticket_id)
        );
        CREATE TABLE sla_clocks (
            merchant_id text NOT NULL,
            ticket_id uuid NOT NULL,
            metric text NOT NULL,
            run integer NOT NULL,
            policy_id uuid NOT NULL,
            policy_version integer NOT NULL,
            priority text NOT NULL,
            calendar_id uuid,
            calendar_version integer,
            target_seconds double precision NOT NULL,
            state text NOT NULL,
            started_at timestamptz NOT NULL,
            segments jsonb NOT NULL,
            due_at timestamptz,
            warned_at timestamptz,
            breached_at timestamptz,
            met_at timestamptz,
            ended_at timestamptz,
            business_seconds_used double precision,
            met_count smallint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_sla_clocks PRIMARY KEY (merchant_id, ticket_id, metric, run),
            CONSTRAINT fk_sla_clocks_ticket FOREIGN KEY (merchant_id, ticket_id)
                REFERENCES sla_tickets (merchant_id, ticket_id)
        ) WITH (fillfactor = 80);
        CREATE INDEX ix_sla_clocks_merchant_started ON sla_clocks (merchant_id, started_at);
        CREATE INDEX ix_sla_clocks_merchant_open_policy ON sla_clocks (merchant_id, policy_id)
            WHERE state IN ('running', 'paused');
        CREATE INDEX ix_sla_clocks_merchant_open_calendar ON sla_clocks (merchant_id, calendar_id)
            WHERE state IN ('running', 'paused') AND calendar_id IS NOT NULL;
        CREATE TABLE sla_timers (
            merchant_id text NOT NULL,
            ticket_id uuid NOT NULL,
            metric text NOT NULL,
            kind text NOT NULL,
            level smallint NOT NULL,
            run integer NOT NULL,
            fire_at timestamptz NOT NULL,
            CONSTRAINT pk_sla_timers PRIMARY KEY (merchant_id, ticket_id, metric, kind, level)
        );
        CREATE INDEX ix_sla_timers_fire_at ON sla_timers (fire_at);
        """
    )


def downgrade() -> None:
    execute_script(
        "DROP TABLE sla_timers;\nDROP TABLE sla_clocks;\nDROP TABLE sla_ticket_facts;\nDROP TABLE sla_tickets;\n"
        "DROP TABLE sla_policy_versions;\nDROP TABLE sla_policies;\n"
        "DROP TABLE sla_calendar_versions;\nDROP TABLE sla_calendars;\n"
    )
