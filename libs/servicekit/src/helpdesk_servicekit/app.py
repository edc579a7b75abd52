"""The app factory: a service's main.py only wires its routers, consumers and timers into this."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from faststream.rabbit import RabbitBroker
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_servicekit import metrics, wakeup
from helpdesk_servicekit.auth import JwtVerifier
from helpdesk_servicekit.backlog import sample_loop
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.consumers import EventConsumers
from helpdesk_servicekit.db import make_engine, make_session_factory, migrate
from helpdesk_servicekit.deadletters import watch_dead_letters
from helpdesk_servicekit.errors import install_problem_handlers
from helpdesk_servicekit.httpserver import BoundedHttpProtocol
from helpdesk_servicekit.outbox import OutboxRelay
from helpdesk_servicekit.retention import purge_loop
from helpdesk_servicekit.settings import Role, ServiceSettings, SettingsError, load_settings
from helpdesk_servicekit.telemetry import configure_logging, configure_tracing
from helpdesk_servicekit.textguard import TextGuard
from helpdesk_servicekit.topology import declare_all, declare_until_done

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)
# Young collections every 20,000 allocations instead of 700: a request allocates hundreds of short-lived
# containers, and at the default the collector ran several times per request (~6% of a create-ticket).
GC_THRESHOLDS = (20_000, 20, 20)
BackgroundTask = Callable[["Runtime[Any]", asyncio.Event], Awaitable[None]]


@dataclass
class Runtime(Generic[S]):
    """What a running service holds: its settings, database, broker and background tasks.

    A background task typed `Runtime[SlaSettings]` reads its own settings without casts or getattr.
    """

    settings: S
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    topology: Topology
    publisher: AmqpPublisher
    broker: RabbitBroker | None = None
    broker_started: bool = False
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    relay: OutboxRelay | None = None
    topology_declared: bool = False


@dataclass
class ServiceSpec:
    """Everything that makes one service different from another."""

    settings: ServiceSettings
    migrations_dir: Path
    routers: Sequence[APIRouter] = ()
    consumers: EventConsumers | None = None
    background: Sequence[BackgroundTask] = ()
    title: str = ""
    description: str = ""


async def _start_broker(runtime: Runtime[Any], consumers: EventConsumers) -> None:
    """Connect the consumers, retrying while the broker is away; the API keeps serving meanwhile."""
    settings, delay = runtime.settings, 0.5
    while not runtime.stop.is_set():
        broker = RabbitBroker(settings.amqp_url, logger=None, graceful_timeout=10)
        consumers.attach(broker, runtime.topology, runtime.sessions, settings.amqp_prefetch)
        try:
            await runtime.publisher.declare_consumer_topology(consumers.service, list(consumers.handlers))
            await broker.start()
        except Exception as exc:
            log.warning("consumers not started, retrying in %.1fs: %s", delay, exc)
            with contextlib.suppress(Exception):
                await broker.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(runtime.stop.wait(), delay)
            delay = min(delay * 2, 15.0)
            continue
        if runtime.stop.is_set():  # the app shut down while we were connecting
            await broker.stop()
            return
        runtime.broker, runtime.broker_started = broker, True
        return


async def _run_relay(runtime: Runtime[Any]) -> None:
    """The relay publishes only once the whole topology exists, so no event it sends is unrouted."""
    if runtime.settings.amqp_declare_topology:
        if not await declare_until_done(runtime.publisher, runtime.stop):
            return
        runtime.topology_declared = True
    assert runtime.relay is not None
    await runtime.relay.run(runtime.stop)


async def _as_coroutine(awaitable: Awaitable[None]) -> None:
    await awaitable


def create_app(spec: ServiceSpec) -> FastAPI:
    """A FastAPI app whose lifespan migrates, connects and runs the service's background work."""
    settings = spec.settings
    service = type(settings).service_name

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.tracing:
            configure_tracing(service)
        dsn = settings.service_dsn
        await migrate(dsn, spec.migrations_dir)
        engine = make_engine(dsn, settings.db_pool_size)
        topology = Topology(settings.amqp_namespace, settings.amqp_delivery_limit)
        runtime: Runtime[ServiceSettings] = Runtime(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            topology=topology,
            publisher=AmqpPublisher(settings.amqp_url, topology),
        )
        app.state.runtime = runtime
        app.state.sessions = runtime.sessions
        runtime.tasks.append(asyncio.create_task(wakeup.broadcast(settings.listen_dsn, runtime.stop), name="wakeup"))
        # Keys of the identity provider's JWKS refreshed on schedule, in every role (a no-op without a JWKS URL).
        runtime.tasks.append(asyncio.create_task(app.state.jwt.refresh_loop(runtime.stop), name="jwks-refresh"))
        if settings.role in (Role.WORKER, Role.ALL):
            runtime.relay = OutboxRelay(
                engine,
                runtime.publisher,
                listen_dsn=settings.listen_dsn,
                poll_seconds=settings.outbox_poll_seconds,
                batch_size=settings.outbox_batch_size,
            )
            runtime.tasks.append(asyncio.create_task(_run_relay(runtime), name="outbox-relay"))
            if spec.consumers and spec.consumers.handlers:
                runtime.tasks.append(asyncio.create_task(_start_broker(runtime, spec.consumers), name="consumers"))
                runtime.tasks.append(
                    asyncio.create_task(watch_dead_letters(runtime, runtime.stop), name="dead-letters")
                )
            runtime.tasks.append(asyncio.create_task(purge_loop(runtime, runtime.stop), name="retention-purge"))
            runtime.tasks.append(asyncio.create_task(sample_loop(runtime, runtime.stop), name="outbox-backlog"))
            for background in spec.background:
                runtime.tasks.append(
                    asyncio.create_task(_as_coroutine(background(runtime, runtime.stop)), name=background.__name__)
                )
        log.info("%s started (role=%s)", service, settings.role)
        try:
            yield
        finally:
            runtime.stop.set()
            if spec.consumers is not None:
                spec.consumers.stopping()  # a delivery retried through an outage goes back to its queue at once
            if runtime.broker is not None:
                with contextlib.suppress(Exception):
                    await runtime.broker.stop()
            for task in runtime.tasks:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=10)
            if runtime.broker is not None:  # connected while the tasks were finishing
                with contextlib.suppress(Exception):
                    await runtime.broker.stop()
            await runtime.publisher.close()
            await engine.dispose()

    app = FastAPI(
        # FastAPI's native OpenTelemetry: HTTP server spans only when tracing is on; per-operation spans,
        # OTel metrics and OTel logs off (Prometheus and our JSON logs cover those, at a fraction of the cost).
        telemetry={"tracing": settings.tracing, "metrics": False, "logs": False, "operation_spans": False},
        title=spec.title or f"helpdesk-{service}",
        description=spec.description,
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.spec = spec
    app.state.jwt = JwtVerifier(settings)
    install_problem_handlers(app)
    # Outermost first: metrics see every request, TextGuard refuses unstorable text before routing.
    app.add_middleware(TextGuard, max_body_bytes=settings.json_body_max_bytes)
    app.add_middleware(HttpMetricsMiddleware)
    app.include_router(ops_router(spec))
    if settings.role in (Role.API, Role.ALL):
        for router in spec.routers:
            app.include_router(router)
    return app


def ops_router(spec: ServiceSpec) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            async with runtime.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), 2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
        try:
            await asyncio.wait_for(runtime.publisher.ensure_connected(), 3)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unavailable: {type(exc).__name__}"
        if runtime.settings.role in (Role.WORKER, Role.ALL) and spec.consumers and spec.consumers.handlers:
            consuming = runtime.broker_started and runtime.broker is not None and await runtime.broker.ping(2)
            checks["consumers"] = "ok" if consuming else "not consuming"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503
        )

    @router.get("/metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json")
    async def asyncapi(request: Request) -> JSONResponse:
        """The events this service consumes (its subscribers) and publishes (through its outbox), from the contracts."""
        from faststream.rabbit import ExchangeType, RabbitExchange
        from faststream.specification import AsyncAPI

        from helpdesk_contracts import PRODUCERS

        runtime: Runtime[Any] = request.app.state.runtime
        service = type(spec.settings).service_name
        # A broker that never connects, only described: the live one must not grow publishers per request.
        broker = RabbitBroker(spec.settings.amqp_url, logger=None)
        if spec.consumers:
            spec.consumers.attach(broker, runtime.topology, runtime.sessions, spec.settings.amqp_prefetch)
        exchange = RabbitExchange(runtime.topology.events_exchange, type=ExchangeType.TOPIC, durable=True)
        for model in PRODUCERS.get(service, ()):
            broker.publisher(
                exchange=exchange,
                routing_key=model.event_type,
                schema=model,
                title=f"{service}:publishes:{model.event_type}",
                description=(model.__doc__ or "").strip().split("\n")[0] or None,
            )
        document = AsyncAPI(broker, title=f"helpdesk-{service}", version="1.0.0")
        return JSONResponse(document.to_specification().to_jsonable())

    return router


class HttpMetricsMiddleware:
    """Counts requests and latency per route template (a pure ASGI middleware: cheap on the hot path)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            metrics.HTTP_REQUESTS.labels(scope["method"], template, str(status[0])).inc()
            metrics.HTTP_LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)


async def prepare(settings: ServiceSettings, spec: ServiceSpec) -> None:
    """What must exist before a service takes traffic: its migrated database and the whole event topology."""
    await migrate(settings.service_dsn, spec.migrations_dir)
    publisher = AmqpPublisher(settings.amqp_url, Topology(settings.amqp_namespace, settings.amqp_delivery_limit))
    try:
        await declare_all(publisher)
    finally:
        await publisher.close()
    log.info("%s: database migrated, event topology declared", type(settings).service_name)


def run(build: Callable[[ServiceSettings], FastAPI], settings_cls: type[ServiceSettings]) -> None:
    """The console entry point: `helpdesk-<service> [--role api|worker|all]`."""
    import sys

    import uvicorn

    parser = argparse.ArgumentParser(prog=f"helpdesk-{settings_cls.service_name}")
    parser.add_argument("--role", choices=[r.value for r in Role], default=None)
    parser.add_argument(
        "--migrate-only",
        action="store_true",
        help="create and migrate the database and declare the event topology, then exit (a deployment's Job)",
    )
    args = parser.parse_args()
    try:
        overrides = {"role": args.role} if args.role else {}
        settings = load_settings(settings_cls, **overrides)
    except SettingsError as exc:
        print(exc.line, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level, settings.log_json)
    app = build(settings)
    if args.migrate_only:
        asyncio.run(prepare(settings, app.state.spec))
        return
    # Everything imported so far lives for the whole process: keep it out of full collections, which
    # otherwise paused the SLA timer worker for up to 250 ms.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    # BoundedHttpProtocol: a request's headers must come within 10 s and 64 KiB (uvicorn bounds neither).
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        http=BoundedHttpProtocol,
    )
