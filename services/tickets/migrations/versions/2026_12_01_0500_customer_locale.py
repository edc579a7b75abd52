"""the customer's language on the ticket (from the token's `locale` claim)

Revision ID: tickets_0003
Revises: tickets_0002
Create Date: 2026-12-01 05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "tickets_0003"
down_revision: str | None = "tickets_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE tickets ADD COLUMN locale text")


def downgrade() -> None:
    op.execute("ALTER TABLE tickets DROP COLUMN locale")
