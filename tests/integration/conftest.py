"""Cross-service flows: every service in-process, each on its own database, all on one real broker, a real SMTP
server for notify, and the whole event topology declared first, as `make up` does."""

from __future__ import annotations

import contextlib
import importlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.settings import ServiceSettings
from helpdesk_servicekit.testing.helpers import Mailbox, smtp_server
from helpdesk_servicekit.testing.plugin import running, service_settings
from helpdesk_servicekit.testing.tap import EventTap
from helpdesk_servicekit.topology import declare_all

SERVICES = ("tickets", "sla", "routing", "knowledge", "feedback", "notify")
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Flows start up to twelve apps: they run in a pytest session of their own (`make test` runs the `isolated`
    ones after the rest), so they never share the database server's connections with the services' own suites."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.isolated)


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"helpdesk_{service}.settings")
    return next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value.service_name == service
    )


@dataclass
class Platform:
    tickets: Any = None
    sla: Any = None
    routing: Any = None
    knowledge: Any = None
    feedback: Any = None
    notify: Any = None
    mailbox: Mailbox = field(default_factory=Mailbox)
    tap: EventTap | None = None


class RoundRobin:
    """Several replicas of one service behind one client, as a load balancer would spread the requests."""

    def __init__(self, clients: list[Any]) -> None:
        self.clients = clients
        self._turn = itertools.count()

    def _next(self) -> Any:
        return self.clients[next(self._turn) % len(self.clients)]

    @property
    def app(self) -> Any:
        return self.clients[0].app

    def __getattr__(self, method: str) -> Any:  # get, post, put, patch, delete, request
        return getattr(self._next(), method)


@contextlib.asynccontextmanager
async def platform_of(
    services: tuple[str, ...],
    database_factory: Callable[[str], Awaitable[str]],
    amqp_url: str,
    namespace: str,
    *,
    replicas: int = 1,
    **overrides: Any,
) -> AsyncIterator[Platform]:
    overrides = {"db_pool_size": 3} | overrides  # several apps share one PostgreSQL server
    """Start `services` (in-process apps; `replicas` of each on one database) after declaring the whole topology,
    as `make up` does. `overrides` go into every service's settings."""
    # The same delivery limit as the services' settings (the test plugin's 4 unless overridden): RabbitMQ refuses
    # to redeclare a queue with other arguments.
    publisher = AmqpPublisher(amqp_url, Topology(namespace, overrides.get("amqp_delivery_limit", 4)))
    await declare_all(publisher)
    await publisher.close()
    with smtp_server() as (smtp_url, mailbox):
        apps: dict[str, list[Any]] = {}
        for service in services:
            extra: dict[str, Any] = {"smtp_url": smtp_url} if service == "notify" else {}
            database_url = await database_factory(f"flow_{service}")
            settings = service_settings(
                settings_class(service), database_url=database_url, amqp_url=amqp_url, namespace=namespace,
                **extra, **overrides,
            )  # fmt: skip
            main = importlib.import_module(f"helpdesk_{service}.main")
            apps[service] = [main.build(settings) for _ in range(replicas)]
        async with contextlib.AsyncExitStack() as stack:
            tap = await stack.enter_async_context(EventTap(amqp_url, namespace, "#"))
            clients = {
                name: [await stack.enter_async_context(running(app)) for app in replicas_of]
                for name, replicas_of in apps.items()
            }
            yield Platform(
                **{name: c[0] if replicas == 1 else RoundRobin(c) for name, c in clients.items()},
                mailbox=mailbox,
                tap=tap,
            )


@pytest.fixture
async def platform(
    database_factory: Callable[[str], Awaitable[str]], amqp_url: str, amqp_namespace: str
) -> AsyncIterator[Platform]:
    """tickets and sla only (the SLA flows need nothing else)."""
    async with platform_of(("tickets", "sla"), database_factory, amqp_url, amqp_namespace) as started:
        yield started


@pytest.fixture
async def system(
    database_factory: Callable[[str], Awaitable[str]], amqp_url: str, amqp_namespace: str
) -> AsyncIterator[Platform]:
    """All six services."""
    async with platform_of(SERVICES, database_factory, amqp_url, amqp_namespace) as started:
        yield started


@pytest.fixture
async def system_twice(
    database_factory: Callable[[str], Awaitable[str]], amqp_url: str, amqp_namespace: str
) -> AsyncIterator[Platform]:
    """All six services, two replicas of each on one database, requests spread over both."""
    # Small pools: twelve apps share one PostgreSQL (max_connections 100 on a default server).
    async with platform_of(SERVICES, database_factory, amqp_url, amqp_namespace, replicas=2, db_pool_size=3) as started:
        yield started
