"""Wiring only: settings, routers, consumers, the email worker and the live hub into the servicekit app factory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from helpdesk_notify import context
from helpdesk_notify.consumers import consumers
from helpdesk_notify.email.api import router as deliveries_router
from helpdesk_notify.email.worker import run_email_worker
from helpdesk_notify.inbox.api import router as inbox_router
from helpdesk_notify.live.api import router as live_router
from helpdesk_notify.live.collector import scheduled_full_collections
from helpdesk_notify.live.hub import LiveHub
from helpdesk_notify.preferences.api import router as preferences_router
from helpdesk_notify.settings import NotifySettings
from helpdesk_servicekit.app import ServiceSpec, create_app, run as run_service
from helpdesk_servicekit.openapi import document_problems

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def build(settings: NotifySettings) -> FastAPI:
    app = create_app(
        ServiceSpec(
            settings=settings,
            migrations_dir=MIGRATIONS,
            routers=[preferences_router, deliveries_router, inbox_router, live_router],
            consumers=consumers,
            background=[run_email_worker],
            title="Helpdesk notify",
            description="In-app inbox, live WebSocket push across replicas, email over SMTP, preferences.",
        )
    )
    kit_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The live hub runs in every role: api replicas hold sockets, worker replicas publish after commits.
        hub = LiveHub(
            settings.amqp_url,
            settings.amqp_namespace,
            ping_seconds=settings.ws_ping_seconds,
            pong_timeout=settings.ws_pong_timeout_seconds,
            max_queue=settings.ws_send_queue,
        )
        app.state.live = hub
        async with kit_lifespan(app), scheduled_full_collections(settings.gc_full_collection_seconds):
            engine = app.state.runtime.engine
            context.register(engine, context.NotifyContext(settings=settings, live=hub))
            await hub.start()
            try:
                yield
            finally:
                await hub.stop()
                context.unregister(engine)

    app.router.lifespan_context = lifespan
    return document_problems(app)


def run() -> None:
    run_service(build, NotifySettings)  # type: ignore[arg-type]
