from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from helpdesk_servicekit.testing.plugin import service_settings
from helpdesk_tickets.main import build
from helpdesk_tickets.settings import TicketsSettings

from .harness import serving


@pytest.fixture
async def tickets_db(database_factory: Callable[[str], Awaitable[str]]) -> str:
    return await database_factory("tickets")


@pytest.fixture
def tickets_settings(tickets_db: str, amqp_url: str, amqp_namespace: str) -> Callable[..., TicketsSettings]:
    def make(**overrides: Any) -> TicketsSettings:
        values = {"database_url": tickets_db, "amqp_url": amqp_url, "namespace": amqp_namespace} | overrides
        return service_settings(TicketsSettings, **values)

    return make


@pytest.fixture
async def client(tickets_settings: Callable[..., TicketsSettings]) -> AsyncIterator[Any]:
    """An in-process HTTP client to a tickets service with its relay and consumers on the real broker."""
    async with serving(build(tickets_settings())) as http:
        yield http
