from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from helpdesk_knowledge.main import build
from helpdesk_knowledge.settings import KnowledgeSettings
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.plugin import running, service_settings
from helpdesk_servicekit.testing.tap import EventTap

from .harness import Harness


@pytest.fixture(scope="session")
async def kb(
    database_factory: Callable[[str], Awaitable[str]], amqp_url: str, amqp_run_namespace: str
) -> AsyncIterator[Harness]:
    """One knowledge service for the session; tests keep apart by using a merchant of their own."""
    namespace = f"{amqp_run_namespace}knowledge."
    database_url = await database_factory("knowledge")
    settings = service_settings(KnowledgeSettings, database_url=database_url, amqp_url=amqp_url, namespace=namespace)
    publisher = AmqpPublisher(amqp_url, Topology(namespace))
    async with EventTap(amqp_url, namespace, "#") as tap, running(build(settings)) as http:
        yield Harness(http=http, publisher=publisher, tap=tap)
    await publisher.close()
