from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from helpdesk_routing.main import MIGRATIONS
from helpdesk_routing.settings import RoutingSettings
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.db import migrate
from helpdesk_servicekit.testing.plugin import service_settings
from helpdesk_servicekit.testing.tap import EventTap

from .harness import Routing, started

_copies = itertools.count()


@pytest.fixture(scope="session")
async def routing_template(pg_admin_url: str, test_run_id: str) -> AsyncIterator[tuple[str, list[str]]]:
    """A database migrated once per run; each routing instance under test gets a copy (CREATE DATABASE ... TEMPLATE)."""
    name = f"t_{test_run_id}_routing_template"
    await _admin(pg_admin_url, f'CREATE DATABASE "{name}"')
    await migrate(_url(pg_admin_url, name), MIGRATIONS)
    copies: list[str] = []
    yield name, copies
    for database in [*copies, name]:
        await _admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def routing_database(routing_template: tuple[str, list[str]], pg_admin_url: str) -> Callable[[], Any]:
    """`await routing_database()` → the URL of a fresh copy of the migrated database."""
    template, copies = routing_template

    async def create() -> str:
        name = f"{template.removesuffix('_template')}_{next(_copies)}"
        await _admin(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        # A throwaway database need not wait for the disk at each commit (the machine's fsync dominated the
        # concurrency test's time); locking and visibility are unchanged.
        await _admin(pg_admin_url, f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
        copies.append(name)
        return _url(pg_admin_url, name)

    return create


async def _admin(admin_url: str, statement: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _url(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(drivername="postgresql+asyncpg", database=database).render_as_string(False)


@pytest.fixture(scope="session")
def routing_settings(amqp_url: str) -> Callable[..., RoutingSettings]:
    def make(database_url: str, namespace: str, **overrides: Any) -> RoutingSettings:
        values = {"database_url": database_url, "amqp_url": amqp_url, "namespace": namespace} | overrides
        return service_settings(RoutingSettings, **values)

    return make


@pytest.fixture(scope="session")
async def routing(
    routing_database: Callable[[], Any],
    routing_settings: Callable[..., RoutingSettings],
    amqp_url: str,
    amqp_run_namespace: str,
) -> AsyncIterator[Routing]:
    """One routing service for the session; tests keep apart by using a merchant of their own."""
    namespace = f"{amqp_run_namespace}routing."
    publisher = AmqpPublisher(amqp_url, Topology(namespace))
    async with (
        EventTap(amqp_url, namespace, "#") as tap,
        started(routing_settings(await routing_database(), namespace)) as http,
    ):
        yield Routing(http=http, publisher=publisher, tap=tap)
    await publisher.close()


@pytest.fixture
async def quiet_routing(
    routing_database: Callable[[], Any], routing_settings: Callable[..., RoutingSettings], amqp_namespace: str
) -> AsyncIterator[Routing]:
    """A routing service of this test's own with the HTTP side only: no relay or consumers competing for the
    CPU, for tests that feed events to the handlers directly and read the outbox."""
    async with started(routing_settings(await routing_database(), amqp_namespace, role="api", db_pool_size=12)) as http:
        yield Routing(http=http)
