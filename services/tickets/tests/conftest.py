from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from helpdesk_servicekit.testing.plugin import service_settings
from helpdesk_tickets.main import MIGRATIONS, build
from helpdesk_tickets.settings import TicketsSettings

from .factories import known_agents
from .harness import serving


@pytest.fixture
async def tickets_db(migrated_copy: Callable[..., Awaitable[str]]) -> str:
    """A fresh copy of the migrated tickets database for each test."""
    return await migrated_copy(MIGRATIONS)


@pytest.fixture
def tickets_settings(tickets_db: str, amqp_url: str, amqp_namespace: str) -> Callable[..., TicketsSettings]:
    def make(**overrides: Any) -> TicketsSettings:
        values = {"database_url": tickets_db, "amqp_url": amqp_url, "namespace": amqp_namespace} | overrides
        return service_settings(TicketsSettings, **values)

    return make


# The agents merchant m1's routing directory knows (manual assignment accepts only these).
DIRECTORY = ("agent-1", "agent-2", "agent-a", "agent-boss-pick", "agent-q", "agent-other")


@pytest.fixture
async def client(tickets_settings: Callable[..., TicketsSettings]) -> AsyncIterator[Any]:
    """An in-process HTTP client to a tickets service with its relay and consumers on the real broker."""
    async with serving(build(tickets_settings())) as http:
        await known_agents(http, *DIRECTORY)
        yield http
