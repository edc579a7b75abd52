from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.testing.plugin import service_settings
from helpdesk_servicekit.testing.tap import EventTap
from helpdesk_sla.settings import SlaSettings

from .harness import Harness, started


@pytest.fixture(scope="session")
def sla_settings(amqp_url: str) -> Callable[..., SlaSettings]:
    def make(database_url: str, namespace: str, **overrides: Any) -> SlaSettings:
        values = {"database_url": database_url, "amqp_url": amqp_url, "namespace": namespace} | overrides
        return service_settings(SlaSettings, **values)

    return make


@pytest.fixture(scope="session")
async def sla(
    database_factory: Callable[[str], Awaitable[str]],
    sla_settings: Callable[..., SlaSettings],
    amqp_url: str,
    amqp_run_namespace: str,
) -> AsyncIterator[Harness]:
    """One SLA service for the session; tests keep apart by using a merchant of their own."""
    amqp_namespace = f"{amqp_run_namespace}sla."
    database_url = await database_factory("sla")
    publisher = AmqpPublisher(amqp_url, Topology(amqp_namespace))
    async with (
        EventTap(amqp_url, amqp_namespace, "sla.#") as tap,
        started(sla_settings(database_url, amqp_namespace)) as app,
    ):
        yield Harness(app=app, publisher=publisher, tap=tap)
    await publisher.close()
