from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from helpdesk_routing.main import MIGRATIONS
from helpdesk_routing.settings import RoutingSettings
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.plugin import service_settings
from helpdesk_servicekit.testing.tap import EventTap

from .harness import Routing, started

_copies = itertools.count()


@pytest.fixture(scope="session")
def routing_database(migrated_copy: Callable[..., Any]) -> Callable[[], Any]:
    """`await routing_database()` → the URL of a fresh copy of the migrated database (no fsync wait per commit:
    the machine's fsync dominated the concurrency test's time; locking and visibility are unchanged)."""
    return lambda: migrated_copy(MIGRATIONS, synchronous_commit=False)


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
