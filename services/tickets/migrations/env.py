from sqlmodel import SQLModel

import helpdesk_tickets.models  # noqa: F401  (registers the tables)
from helpdesk_servicekit.migrations import run_migrations

run_migrations(SQLModel.metadata)
