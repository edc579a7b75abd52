from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from helpdesk_feedback.settings import FeedbackSettings
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.plugin import running, service_settings
from helpdesk_servicekit.testing.tap import EventTap

from .harness import Harness


@pytest.fixture(scope="session")
async def feedback(
    database_factory: Callable[[str], Awaitable[str]], amqp_url: str, amqp_run_namespace: str
) -> AsyncIterator[Harness]:
    """One feedback service for the session (consumers, relay, timers on the real broker and database);
    tests keep apart by using a merchant of their own."""
    from helpdesk_feedback.main import build

    namespace = f"{amqp_run_namespace}feedback."
    settings = service_settings(
        FeedbackSettings,
        database_url=await database_factory("feedback"),
        amqp_url=amqp_url,
        namespace=namespace,
        timer_max_sleep_seconds=0.5,
    )
    publisher = AmqpPublisher(amqp_url, Topology(namespace))
    async with EventTap(amqp_url, namespace, "#") as tap, running(build(settings)) as client:
        yield Harness(http=client, publisher=publisher, tap=tap)
    await publisher.close()
