"""While a service's database is unreachable, requests get 503 problem+json with Retry-After, never 500."""

import logging
import secrets

import asyncpg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from helpdesk_servicekit.db import make_engine
from helpdesk_servicekit.errors import install_problem_handlers
from helpdesk_servicekit.failures import infrastructure_failure
from helpdesk_servicekit.testing.proxy import TcpProxy


async def test_a_request_while_the_database_is_cut_off_is_a_503_with_retry_after(database_factory, caplog):
    url = make_url(await database_factory("unavailable"))
    proxy = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), 2)
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/count")
    async def count() -> dict[str, int]:
        async with engine.connect() as conn:
            return {"n": int(await conn.scalar(text("SELECT 1 WHERE 'customer-secret' IS NOT NULL")))}

    # The 503 is an answer, not an escaped error: an app that re-raised it (Starlette does for handlers keyed by
    # Exception, and uvicorn then logs a traceback per request) fails this transport.
    transport = ASGITransport(app=app)
    try:
        async with AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/count")).json() == {"n": 1}
            await proxy.cut()
            with caplog.at_level(logging.WARNING):
                responses = [await client.get("/count") for _ in range(3)]
            assert {r.status_code for r in responses} == {503}
            assert all(r.headers["content-type"] == "application/problem+json" for r in responses)
            assert all(int(r.headers["retry-after"]) > 0 for r in responses)
            assert responses[0].json()["type"].endswith("/service-unavailable")
            await proxy.restore()
            assert (await client.get("/count")).json() == {"n": 1}
    finally:
        await engine.dispose()
        await proxy.close()


def test_a_deadlock_or_serialization_failure_counts_as_infrastructure_and_a_bug_does_not():
    class PgError(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    assert infrastructure_failure(PgError("40P01")) == "concurrent update conflict"
    assert infrastructure_failure(PgError("40001")) == "concurrent update conflict"
    assert infrastructure_failure(ConnectionRefusedError()) is not None
    assert infrastructure_failure(PgError("23505")) is None
    assert infrastructure_failure(KeyError("x")) is None


async def test_a_server_out_of_connection_slots_counts_as_infrastructure(database_factory, pg_admin_url):
    """PostgreSQL refusing a connection for want of slots (SQLSTATE 53300, "sorry, too many clients already" when
    max_connections is reached) is an outage to wait out: consumers must not dead-letter healthy events over it."""
    role = f"no_slots_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(pg_admin_url)
    await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")  # the same refusal, for one role only
    engine = make_engine(make_url(await database_factory("no_slots")).set(username=role).render_as_string(False), 1)
    try:
        with pytest.raises(Exception) as refused:
            async with engine.connect() as conn:
                await conn.scalar(text("SELECT 1"))
        assert "too many connections" in str(refused.value)
        assert infrastructure_failure(refused.value) == "database unavailable"
    finally:
        await engine.dispose()
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()
