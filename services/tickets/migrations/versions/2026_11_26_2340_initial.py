"""initial: tickets, messages, counters, outbox, inbox, idempotency keys

Revision ID: tickets_0001
Revises:
Create Date: 2026-11-26 23:40
"""

from collections.abc import Sequence

from alembic import op

from helpdesk_servicekit.migrations import create_kit_tables, execute_script

revision: str = "tickets_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kit_tables(op.get_bind())
    execute_script(
        """
        CREATE TABLE ticket_counters (
            merchant_id text PRIMARY KEY,
            last_number bigint NOT NULL
        );
        CREATE TABLE tickets (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            number bigint NOT NULL,
            customer_id text NOT NULL,
            subject text NOT NULL,
            description text NOT NULL DEFAULT '',
            status text NOT NULL,
            priority text NOT NULL,
            category_id uuid,
            tags text[] NOT NULL DEFAULT '{}',
            assignee_id text,
            escalation_level integer NOT NULL DEFAULT 1,
            order_id text,
            product_id text,
            first_responded_at timestamptz,
            resolved_at timestamptz,
            closed_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            version bigint NOT NULL DEFAULT 1,
            CONSTRAINT pk_tickets PRIMARY KEY (merchant_id, id)
        );
        CREATE UNIQUE INDEX uq_tickets_merchant_number ON tickets (merchant_id, number);
        CREATE INDEX ix_tickets_merchant_created ON tickets (merchant_id, created_at, id);
        CREATE INDEX ix_tickets_merchant_customer_created ON tickets (merchant_id, customer_id, created_at, id);
        CREATE INDEX ix_tickets_merchant_status_created ON tickets (merchant_id, status, created_at, id);
        CREATE TABLE messages (
            merchant_id text NOT NULL,
            id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            author_id text NOT NULL,
            author_role text NOT NULL,
            visibility text NOT NULL,
            body text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_messages PRIMARY KEY (merchant_id, id),
            CONSTRAINT fk_messages_ticket FOREIGN KEY (merchant_id, ticket_id) REFERENCES tickets (merchant_id, id)
        );
        CREATE INDEX ix_messages_merchant_ticket_created ON messages (merchant_id, ticket_id, created_at, id);
        """
    )


def downgrade() -> None:
    execute_script("DROP TABLE messages;\nDROP TABLE tickets;\nDROP TABLE ticket_counters;\n")
