"""Wiring only: settings, routers, consumers and the reconciliation task into the servicekit app factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_routing.assignment.consumers import consumers
from helpdesk_routing.assignment.reconcile import run_reconciliation
from helpdesk_routing.directory.api import router as directory_router
from helpdesk_routing.rules.api import router as rules_router
from helpdesk_routing.settings import RoutingSettings
from helpdesk_servicekit.app import ServiceSpec, create_app, run as run_service
from helpdesk_servicekit.openapi import document_problems
from helpdesk_servicekit.settings import ServiceSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: ServiceSettings) -> FastAPI:
    app = create_app(
        ServiceSpec(
            settings=settings,
            migrations_dir=MIGRATIONS,
            routers=[directory_router, rules_router],
            consumers=consumers,
            background=[run_reconciliation],
            title="Helpdesk routing",
            description="Agents, groups, routing rules, assignment strategies, the waiting queue, agent metrics.",
        )
    )
    return document_problems(app)


def run() -> None:
    run_service(build, RoutingSettings)
