from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpdesk_servicekit.db import make_engine, make_session_factory
from helpdesk_servicekit.migrations import create_kit_tables


@pytest.fixture
async def kit_engine(database_factory: Callable[[str], Awaitable[str]]) -> AsyncIterator[AsyncEngine]:
    """A fresh database with the kit's tables and a `probe` table handlers write to."""
    url = await database_factory("kit")
    engine = make_engine(url, pool_size=5)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: create_kit_tables(sync, timers=True))
        await conn.execute(text("CREATE TABLE probe (merchant_id text, note text, at timestamptz DEFAULT now())"))
    yield engine
    await engine.dispose()


@pytest.fixture
def kit_sessions(kit_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(kit_engine)


@pytest.fixture
def listen_dsn(kit_engine: AsyncEngine) -> str:
    return kit_engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
