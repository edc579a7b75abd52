"""Wiring only: settings, routers, consumers and the timer worker into the servicekit app factory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from helpdesk_servicekit.app import Runtime, ServiceSpec, create_app, run as run_service
from helpdesk_servicekit.openapi import document_problems
from helpdesk_servicekit.settings import ServiceSettings
from helpdesk_sla.clocks.api import router as clocks_router
from helpdesk_sla.clocks.consumers import consumers
from helpdesk_sla.compliance.api import router as compliance_router
from helpdesk_sla.policies.api import router as policies_router
from helpdesk_sla.settings import SlaSettings
from helpdesk_sla.timers.engine import TimerEngine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


async def run_timers(runtime: Runtime[SlaSettings], stop: asyncio.Event) -> None:
    """The SLA timer worker (worker and all roles)."""
    settings = runtime.settings
    engine = TimerEngine(
        runtime.engine,
        listen_dsn=settings.listen_dsn,
        batch_size=settings.timer_batch_size,
        max_sleep=settings.timer_max_sleep_seconds,
        lanes=settings.timer_lanes,
    )
    await engine.run(stop)


def build(settings: ServiceSettings) -> FastAPI:
    app = create_app(
        ServiceSpec(
            settings=settings,
            migrations_dir=MIGRATIONS,
            routers=[policies_router, clocks_router, compliance_router],
            consumers=consumers,
            background=[run_timers],
            title="Helpdesk SLA",
            description="SLA policies, business-hours calendars, per-ticket clocks, warnings, breaches, escalation.",
        )
    )
    return document_problems(app)


def run() -> None:
    run_service(build, SlaSettings)
