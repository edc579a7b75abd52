from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from helpdesk_notify.main import MIGRATIONS
from helpdesk_notify.settings import NotifySettings
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.plugin import service_settings

from .harness import Mailbox, Service, free_port, serving, smtp_server


@pytest.fixture(scope="session")
def notify_database(migrated_copy: Callable[..., Awaitable[str]]) -> Callable[[], Awaitable[str]]:
    """`await notify_database()` → the URL of a fresh copy of the migrated database."""
    return lambda: migrated_copy(MIGRATIONS)


@pytest.fixture(scope="session")
def notify_settings(amqp_url: str) -> Callable[..., NotifySettings]:
    def make(database_url: str, namespace: str, **overrides: Any) -> NotifySettings:
        values = {
            "database_url": database_url,
            "amqp_url": amqp_url,
            "namespace": namespace,
            "email_retry_base_seconds": 0.2,
            "email_retry_max_seconds": 1.0,
            "email_poll_seconds": 0.5,
            "smtp_timeout_seconds": 2.0,
            "public_base_url": "https://help.example.com",
            "mail_from": "Helpdesk <support@shop.example>",
        } | overrides
        return service_settings(NotifySettings, **values)  # type: ignore[no-any-return]

    return make


@pytest.fixture(scope="session")
def smtp_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def mailbox(smtp_port: int) -> Iterator[Mailbox]:
    with smtp_server(smtp_port) as box:
        yield box


@pytest.fixture(scope="session")
async def notify(
    notify_database: Callable[[], Awaitable[str]],
    notify_settings: Callable[..., NotifySettings],
    amqp_run_namespace: str,
    mailbox: Mailbox,
    smtp_port: int,
) -> AsyncIterator[Service]:
    """One notify service for the session; tests keep apart by using a merchant of their own."""
    settings = notify_settings(
        await notify_database(), f"{amqp_run_namespace}notify.", smtp_url=f"smtp://127.0.0.1:{smtp_port}"
    )
    async with serving(settings) as service:
        yield service


@pytest.fixture(scope="session")
async def publisher(amqp_url: str, amqp_run_namespace: str) -> AsyncIterator[AmqpPublisher]:
    """Publishes events on the session service's exchange, as the other services would."""
    publisher = AmqpPublisher(amqp_url, Topology(f"{amqp_run_namespace}notify."))
    yield publisher
    await publisher.close()


@pytest.fixture(scope="session")
async def publisher_for(amqp_url: str) -> AsyncIterator[Callable[[str], Awaitable[AmqpPublisher]]]:
    """Publishers for a test's own namespace (services it starts itself)."""
    made: list[AmqpPublisher] = []

    async def make(namespace: str) -> AmqpPublisher:
        publisher = AmqpPublisher(amqp_url, Topology(namespace))
        made.append(publisher)
        return publisher

    yield make
    for publisher in made:
        await publisher.close()


@pytest.fixture(scope="session")
def own_namespace(amqp_run_namespace: str) -> str:
    """The broker namespace of tests that start services of their own, one after another (deleting a set of quorum
    queues takes seconds, so they share one; each test's events carry merchants of its own)."""
    return f"{amqp_run_namespace}own."
