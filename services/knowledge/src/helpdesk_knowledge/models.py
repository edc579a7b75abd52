"""The migrations own the schema (SQL); queries live in each feature's repository. This module only gives
Alembic the metadata the kit tables share."""

from __future__ import annotations

from sqlmodel import SQLModel

import helpdesk_servicekit.idempotency
import helpdesk_servicekit.inbox
import helpdesk_servicekit.outbox  # noqa: F401  (the kit tables share this metadata)

metadata = SQLModel.metadata
