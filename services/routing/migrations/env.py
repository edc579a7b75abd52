import helpdesk_routing.models as models
from helpdesk_servicekit.migrations import run_migrations

run_migrations(models.metadata)
