import helpdesk_knowledge.models as models
from helpdesk_servicekit.migrations import run_migrations

run_migrations(models.metadata)
