"""initial: directory, ticket projection, notifications, email deliveries, preferences, outbox, inbox

Revision ID: notify_0001
Revises:
Create Date: 2026-12-01 00:00
"""

from collections.abc import Sequence

from alembic import op

from helpdesk_servicekit.migrations import create_kit_tables, execute_script

revision: str = "notify_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kit_tables(op.get_bind())
    execute_script(
        """
        CREATE TABLE notify_contacts (
            merchant_id text NOT NULL,
            user_id text NOT NULL,
            role text NOT NULL,
            email text,
            name text,
            locale text,
            active boolean NOT NULL DEFAULT true,
            status text,
            status_at timestamptz,
            version bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_notify_contacts PRIMARY KEY (merchant_id, user_id)
        );
        CREATE INDEX ix_notify_contacts_managers ON notify_contacts (merchant_id) WHERE role = 'manager' AND active;
        CREATE TABLE notify_tickets (
            merchant_id text NOT NULL,
            ticket_id uuid NOT NULL,
            number integer NOT NULL,
            subject text NOT NULL,
            customer_id text NOT NULL,
            assignee_id text,
            status text NOT NULL,
            locale text,
            ticket_version integer NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_notify_tickets PRIMARY KEY (merchant_id, ticket_id)
        );
        CREATE TABLE notifications (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            seq bigint GENERATED ALWAYS AS IDENTITY,
            recipient_id text NOT NULL,
            audience text NOT NULL CHECK (audience IN ('customer', 'staff')),
            event_id uuid NOT NULL,
            event_type text NOT NULL,
            kind text NOT NULL,
            ticket_id uuid,
            ticket_number integer,
            title text NOT NULL,
            body text,
            link text,
            data jsonb NOT NULL DEFAULT '{}',
            channels text[] NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            read_at timestamptz,
            CONSTRAINT pk_notifications PRIMARY KEY (merchant_id, id)
        );
        CREATE INDEX ix_notifications_recipient ON notifications (merchant_id, recipient_id, seq DESC);
        CREATE INDEX ix_notifications_unread ON notifications (merchant_id, recipient_id) WHERE read_at IS NULL;
        CREATE TABLE email_deliveries (
            merchant_id text NOT NULL,
            notification_id uuid NOT NULL,
            seq bigint GENERATED ALWAYS AS IDENTITY,
            recipient_id text NOT NULL,
            to_address text,
            status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
            reason text,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            message_id text NOT NULL,
            subject text NOT NULL,
            text_body text NOT NULL,
            html_body text NOT NULL,
            thread_id text,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            sent_at timestamptz,
            CONSTRAINT pk_email_deliveries PRIMARY KEY (merchant_id, notification_id)
        );
        CREATE INDEX ix_email_deliveries_due ON email_deliveries (next_attempt_at) WHERE status = 'queued';
        CREATE INDEX ix_email_deliveries_log ON email_deliveries (merchant_id, seq DESC);
        CREATE TABLE notify_preferences (
            merchant_id text NOT NULL,
            scope text NOT NULL CHECK (scope IN ('user', 'role')),
            subject text NOT NULL,
            event_type text NOT NULL,
            channel text NOT NULL,
            enabled boolean NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_notify_preferences PRIMARY KEY (merchant_id, scope, subject, event_type, channel)
        )
        """
    )


def downgrade() -> None:
    execute_script(
        """
        DROP TABLE notify_preferences;
        DROP TABLE email_deliveries;
        DROP TABLE notifications;
        DROP TABLE notify_tickets;
        DROP TABLE notify_contacts
        """
    )
