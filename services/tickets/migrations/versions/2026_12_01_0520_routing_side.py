"""the tickets side of routing: the agent directory, the ticket's group, agent visibility per merchant

Revision ID: tickets_0004
Revises: tickets_0003
Create Date: 2026-12-01 05:20
"""

from collections.abc import Sequence

from helpdesk_servicekit.migrations import execute_script

revision: str = "tickets_0004"
down_revision: str | None = "tickets_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    execute_script(
        """
        CREATE TABLE agents (
            merchant_id text NOT NULL,
            agent_id text NOT NULL,
            name text NOT NULL,
            email text,
            locale text,
            role text NOT NULL,
            tier smallint NOT NULL,
            group_ids text[] NOT NULL DEFAULT '{}',
            active boolean NOT NULL,
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (merchant_id, agent_id)
        );
        ALTER TABLE tickets ADD COLUMN group_id text;
        CREATE INDEX ix_tickets_merchant_group_created ON tickets (merchant_id, group_id, created_at, id)
            WHERE group_id IS NOT NULL;
        ALTER TABLE merchant_settings ADD COLUMN agents_see_all_tickets boolean
        """
    )


def downgrade() -> None:
    execute_script(
        """
        ALTER TABLE merchant_settings DROP COLUMN agents_see_all_tickets;
        DROP INDEX ix_tickets_merchant_group_created;
        ALTER TABLE tickets DROP COLUMN group_id;
        DROP TABLE agents
        """
    )
