"""The metadata Alembic's env.py reads: the kit tables. Routing's own tables are created by its migrations and
queried with SQL in the repositories (their columns are listed in migrations/versions)."""

from __future__ import annotations

from sqlmodel import SQLModel

import helpdesk_servicekit.idempotency
import helpdesk_servicekit.inbox
import helpdesk_servicekit.outbox  # noqa: F401  (the kit tables share this metadata)

metadata = SQLModel.metadata
