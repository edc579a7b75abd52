"""Wiring only: settings, routers, consumers and timers into the servicekit app factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_servicekit.app import ServiceSpec, create_app, run as run_service
from helpdesk_servicekit.openapi import document_problems
from helpdesk_servicekit.settings import ServiceSettings
from helpdesk_tickets.assignment.api import router as assignment_router
from helpdesk_tickets.attachments.api import router as attachments_router, tickets_router as ticket_attachments_router
from helpdesk_tickets.categories.api import router as categories_router
from helpdesk_tickets.compensation.api import router as compensation_router
from helpdesk_tickets.consumers import consumers
from helpdesk_tickets.escalation.api import router as escalation_router
from helpdesk_tickets.history.api import router as history_router
from helpdesk_tickets.merchant_settings.api import router as settings_router
from helpdesk_tickets.messages.api import router as messages_router
from helpdesk_tickets.resolution.api import router as resolution_router
from helpdesk_tickets.resolution.service import auto_close_worker
from helpdesk_tickets.settings import TicketsSettings
from helpdesk_tickets.tickets.api import router as tickets_router

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

# /v1/tickets/settings is listed before /v1/tickets/{ticket_id} so that "settings" is not read as an id.
ROUTERS = [
    settings_router,
    tickets_router,
    messages_router,
    ticket_attachments_router,
    attachments_router,
    assignment_router,
    escalation_router,
    resolution_router,
    compensation_router,
    history_router,
    categories_router,
]


def build(settings: ServiceSettings) -> FastAPI:
    app = create_app(
        ServiceSpec(
            settings=settings,
            migrations_dir=MIGRATIONS,
            routers=ROUTERS,
            consumers=consumers,
            background=[auto_close_worker],
            title="Helpdesk tickets",
            description=(
                "Tickets, messages and internal notes, attachments, categories and tags, the lifecycle, "
                "assignment, escalation, SLA flags, compensation, resolution confirmation and the audit trail."
            ),
        )
    )
    # tickets/api.py declares only its successes: its use cases' own problems are named here.
    return document_problems(app, extra={"POST /v1/tickets": [403], "POST /v1/tickets/{ticket_id}/status": [409]})


def run() -> None:
    run_service(build, TicketsSettings)
