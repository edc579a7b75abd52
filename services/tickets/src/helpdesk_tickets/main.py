"""Wiring only: settings, routers, consumers and timers into the servicekit app factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from helpdesk_servicekit.app import ServiceSpec, create_app
from helpdesk_servicekit.app import run as run_service
from helpdesk_servicekit.settings import ServiceSettings
from helpdesk_tickets.api import router
from helpdesk_tickets.settings import TicketsSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: ServiceSettings) -> FastAPI:
    return create_app(
        ServiceSpec(
            settings=settings,
            migrations_dir=MIGRATIONS,
            routers=[router],
            title="Helpdesk tickets",
            description="Tickets, messages and internal notes, the ticket lifecycle.",
        )
    )


def run() -> None:
    run_service(build, TicketsSettings)
