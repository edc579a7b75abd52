from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from helpdesk_servicekit.db import migrate
from helpdesk_servicekit.testing.plugin import service_settings
from helpdesk_tickets.main import MIGRATIONS, build
from helpdesk_tickets.settings import TicketsSettings

from .factories import known_agents
from .harness import serving


@pytest.fixture(scope="session")
async def tickets_template(pg_admin_url: str, test_run_id: str) -> AsyncIterator[tuple[str, list[str]]]:
    """A database migrated once per run; each test gets a copy (CREATE DATABASE ... TEMPLATE) in ~0.1 s
    instead of running every migration again (~1 s). The app still runs `migrate` on start (a no-op)."""
    name = f"t_{test_run_id}_tickets_template"
    await _admin(pg_admin_url, f'CREATE DATABASE "{name}"')
    await migrate(_url(pg_admin_url, name), MIGRATIONS)
    copies: list[str] = []
    yield name, copies
    # Every DROP DATABASE waits for a checkpoint; dropped side by side, they share the checkpoints instead of
    # queueing for one each (sequentially, ~200 drops passed pytest's timeout on a busy machine).
    gate = asyncio.Semaphore(16)

    async def drop(database: str) -> None:
        async with gate:
            await _admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    await asyncio.gather(*(drop(database) for database in copies))
    await drop(name)


@pytest.fixture
async def tickets_db(tickets_template: tuple[str, list[str]], pg_admin_url: str) -> str:
    template, copies = tickets_template
    name = f"{template.removesuffix('_template')}_{len(copies)}"
    await _admin(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    copies.append(name)
    return _url(pg_admin_url, name)


async def _admin(admin_url: str, statement: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _url(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(drivername="postgresql+asyncpg", database=database).render_as_string(False)


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
