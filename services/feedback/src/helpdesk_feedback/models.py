"""The metadata Alembic sees: the kit's tables. The service's own tables are created by SQL migrations and read
through the repositories' statements (see migrations/versions for their columns)."""

from __future__ import annotations

from sqlmodel import SQLModel

import helpdesk_servicekit.idempotency
import helpdesk_servicekit.inbox
import helpdesk_servicekit.outbox
import helpdesk_servicekit.timers  # noqa: F401  (the kit tables share this metadata)

metadata = SQLModel.metadata
