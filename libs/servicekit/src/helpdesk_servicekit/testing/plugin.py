"""pytest plugin: a real broker and a real PostgreSQL server for each test session.

Where they come from, in order: HELPDESK_TEST_AMQP_URL / HELPDESK_TEST_DATABASE_URL when set; else the servers
`make up` uses by default (127.0.0.1:5672 as guest, 127.0.0.1:5432 as postgres) when they answer; else
testcontainers when a Docker engine is there; else the run stops at once with one line saying what to start.
Each run uses its own database names and an exchange/queue namespace, and removes them when it ends.

The app's own HELPDESK_* variables (say, exported for `make up`) are removed for the run, so a test passes
or fails the same whatever the shell it was started from; a test that needs one sets it itself.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

TEST_JWT_SECRET = "test-only-secret-not-for-production-0123456789"
LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HOW_TO_START = {
    "rabbitmq": "start RabbitMQ (`rabbitmq-server -detached`) or set HELPDESK_TEST_AMQP_URL",
    "postgres": "start PostgreSQL (`pg_ctlcluster --skip-systemctl-redirect <version> main start`) "
    "or set HELPDESK_TEST_DATABASE_URL",
}


def pytest_configure(config: pytest.Config) -> None:
    for name in [n for n in os.environ if n.startswith("HELPDESK_") and not n.startswith("HELPDESK_TEST_")]:
        del os.environ[name]


def _answers(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    import shutil
    import subprocess

    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0


def _server(kind: str, env: str, local_url: str, port: int) -> Iterator[str]:
    if url := os.environ.get(env):
        yield url
        return
    if _answers("127.0.0.1", port):
        yield local_url
        return
    if not _docker_available():
        pytest.exit(
            f"no {kind} for the tests: nothing answers on 127.0.0.1:{port} and no Docker engine; {HOW_TO_START[kind]}",
            returncode=3,
        )
    container = _container(kind)
    with container:
        if kind == "rabbitmq":
            host, mapped = container.get_container_host_ip(), container.get_exposed_port(5672)
            yield f"amqp://guest:guest@{host}:{mapped}/"
        else:
            yield container.get_connection_url().replace("postgresql+psycopg2://", "postgresql://")


def _container(kind: str) -> Any:
    try:
        if kind == "rabbitmq":
            from testcontainers.rabbitmq import RabbitMqContainer  # type: ignore[import-not-found]

            return RabbitMqContainer("rabbitmq:3.13-management")
        from testcontainers.postgres import PostgresContainer  # type: ignore[import-not-found]

        return PostgresContainer("postgres:16", driver=None)
    except ImportError:
        module = "rabbitmq" if kind == "rabbitmq" else "postgres"
        mod = __import__(f"testcontainers.community.{module}", fromlist=["*"])
        return getattr(mod, "RabbitMqContainer" if kind == "rabbitmq" else "PostgresContainer")()


@pytest.fixture(scope="session")
def test_run_id() -> str:
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    yield from _server("rabbitmq", "HELPDESK_TEST_AMQP_URL", LOCAL_AMQP_URL, 5672)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A plain postgresql:// URL of a server where the run may create and drop databases."""
    yield from _server("postgres", "HELPDESK_TEST_DATABASE_URL", LOCAL_DATABASE_URL, 5432)


@pytest.fixture(scope="session")
def amqp_run_namespace(test_run_id: str, amqp_url: str) -> Iterator[str]:
    """The prefix of every exchange and queue this run declares; whatever is left is deleted at the end."""
    namespace = f"t{test_run_id}."
    yield namespace
    import asyncio

    asyncio.run(_delete_declared(amqp_url, namespace))


_namespaces = itertools.count()


@pytest.fixture
async def amqp_namespace(amqp_run_namespace: str, amqp_url: str) -> AsyncIterator[str]:
    """A namespace of this test's own: queues shared between tests would hand one test's events to the next."""
    namespace = f"{amqp_run_namespace}{next(_namespaces)}."
    yield namespace
    await _delete_declared(amqp_url, namespace)


async def _delete_declared(url: str, namespace: str) -> None:
    import aio_pika

    from helpdesk_servicekit.broker import DECLARED_EXCHANGES, DECLARED_QUEUES

    queues = [q for q in DECLARED_QUEUES if q.startswith(namespace)]
    exchanges = [e for e in DECLARED_EXCHANGES if e.startswith(namespace)]
    if not (queues or exchanges):
        return
    connection = await aio_pika.connect(url)
    async with connection:
        for name in queues:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
            DECLARED_QUEUES.discard(name)
        for name in exchanges:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)
            DECLARED_EXCHANGES.discard(name)


@pytest.fixture(scope="session")
def database_factory(pg_admin_url: str, test_run_id: str) -> Iterator[Callable[[str], Awaitable[str]]]:
    """`await database_factory("tickets")` → the asyncpg URL of a fresh, empty database."""
    import asyncio

    import asyncpg
    from sqlalchemy.engine import make_url

    created: list[str] = []
    counter = itertools.count()

    async def create(label: str) -> str:
        name = f"t_{test_run_id}_{label}_{next(counter)}"
        conn = await asyncpg.connect(pg_admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        created.append(name)
        url = make_url(pg_admin_url).set(drivername="postgresql+asyncpg", database=name)
        return url.render_as_string(hide_password=False)

    yield create

    async def drop_all() -> None:
        conn = await asyncpg.connect(pg_admin_url)
        try:
            for name in created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop_all())


@contextlib.asynccontextmanager
async def running(app: Any) -> AsyncIterator[Any]:
    """Run an app's lifespan, wait for its consumers, and yield an httpx client (with `.app`) talking to it."""
    import httpx

    async with app.router.lifespan_context(app):
        await consumers_ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


async def consumers_ready(app: Any, timeout: float = 30.0) -> None:
    """Wait until the app's consumers listen (their queues exist), so no event published next is unrouted."""
    import asyncio

    runtime = app.state.runtime
    if not any(task.get_name() == "consumers" for task in runtime.tasks):
        return
    deadline = asyncio.get_running_loop().time() + timeout
    while not runtime.broker_started:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("consumers did not start")
        await asyncio.sleep(0.05)


def bearer(sub: str, merchant_id: str, role: str, **claims: Any) -> dict[str, str]:
    """Authorization header for a test principal signed with the test secret."""
    from helpdesk_servicekit.devtoken import mint

    return {"Authorization": f"Bearer {mint(TEST_JWT_SECRET, sub=sub, merchant_id=merchant_id, role=role, **claims)}"}


def service_settings(cls: Any, *, database_url: str, amqp_url: str, namespace: str, **overrides: Any) -> Any:
    """Settings for a service under test: its own database, the run's namespace, the test secret."""
    values: dict[str, Any] = {
        "env": "test",
        "jwt_secret": TEST_JWT_SECRET,
        "amqp_url": amqp_url,
        "amqp_namespace": namespace,
        "service_database_url": database_url,
        "outbox_poll_seconds": 0.25,
        "amqp_delivery_limit": 4,
        # Many apps share one test server (100 connections by default): small pools, idle connections few.
        "db_pool_size": 4,
        # Each test declares only its own services' queues; tests of the whole topology turn this on.
        "amqp_declare_topology": False,
        "log_json": False,
    }
    return cls(**(values | overrides))


@pytest.fixture(scope="session")
async def migrated_copy(pg_admin_url: str, test_run_id: str) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """`await migrated_copy(MIGRATIONS)` → the asyncpg URL of a fresh copy of that service's migrated database.

    The migrations run once per run into a template; each copy is a CREATE DATABASE ... TEMPLATE (~0.1 s instead
    of ~1 s of migrations). The app still runs `migrate` on start (a no-op). All are dropped when the run ends.
    """
    import asyncio
    from pathlib import Path

    import asyncpg
    from sqlalchemy.engine import make_url

    from helpdesk_servicekit.db import migrate, service_of

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(pg_admin_url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    def url(database: str) -> str:
        return make_url(pg_admin_url).set(drivername="postgresql+asyncpg", database=database).render_as_string(False)

    templates: dict[Path, str] = {}
    created: list[str] = []
    counter = itertools.count()

    async def copy(migrations_dir: Path, *, synchronous_commit: bool = True) -> str:
        if migrations_dir not in templates:
            template = f"t_{test_run_id}_{service_of(migrations_dir)}_template"
            await admin(f'CREATE DATABASE "{template}"')
            created.append(template)
            await migrate(url(template), migrations_dir)
            templates[migrations_dir] = template
        name = f"{templates[migrations_dir].removesuffix('_template')}_{next(counter)}"
        await admin(f'CREATE DATABASE "{name}" TEMPLATE "{templates[migrations_dir]}"')
        created.insert(0, name)
        if not synchronous_commit:  # a throwaway database need not wait for the disk at each commit
            await admin(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
        return url(name)

    yield copy
    # Every DROP DATABASE waits for a checkpoint; dropped side by side they share them (copies before templates).
    gate = asyncio.Semaphore(16)

    async def drop(database: str) -> None:
        async with gate:
            await admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    copies = [d for d in created if not d.endswith("_template")]
    await asyncio.gather(*(drop(d) for d in copies))
    await asyncio.gather(*(drop(d) for d in created if d.endswith("_template")))
