"""Cross-service flows: every service in-process, each on its own database, all on one real broker."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from helpdesk_servicekit.testing.plugin import running, service_settings


@dataclass
class Platform:
    tickets: Any
    sla: Any


@pytest.fixture
async def platform(
    database_factory: Callable[[str], Awaitable[str]], amqp_url: str, amqp_namespace: str
) -> AsyncIterator[Platform]:
    from helpdesk_sla.main import build as build_sla
    from helpdesk_sla.settings import SlaSettings
    from helpdesk_tickets.main import build as build_tickets
    from helpdesk_tickets.settings import TicketsSettings

    namespace = amqp_namespace
    apps = {
        "tickets": build_tickets(
            service_settings(
                TicketsSettings,
                database_url=await database_factory("flow_tickets"),
                amqp_url=amqp_url,
                namespace=namespace,
            )
        ),
        "sla": build_sla(
            service_settings(
                SlaSettings,
                database_url=await database_factory("flow_sla"),
                amqp_url=amqp_url,
                namespace=namespace,
            )
        ),
    }
    async with contextlib.AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
        yield Platform(**clients)
