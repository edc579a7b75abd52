"""Async engine and sessions over asyncpg; database creation and Alembic migrations on start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.sql.elements import TextClause

log = logging.getLogger(__name__)

# One constant lock id for "migrating this database": replicas starting together migrate once.
MIGRATION_LOCK_ID = 7_201_001


def service_database_url(server_or_db_url: str, database: str) -> str:
    """The asyncpg URL for `database`: a URL naming a database keeps it, a server URL gets `database`."""
    url = make_url(server_or_db_url)
    if not url.database:
        url = url.set(database=database)
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def plain_dsn(url: str) -> str:
    """The libpq-style URL asyncpg connects with (LISTEN, NOTIFY, admin work) for a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_database(url: str) -> None:
    """Create the database named in `url` when it does not exist yet (safe when replicas race)."""
    target = make_url(url)
    admin = plain_dsn(target.set(database="postgres").render_as_string(hide_password=False))
    conn = await asyncpg.connect(admin)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", target.database)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{target.database}"')
                log.info("created database %s", target.database)
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                pass
    finally:
        await conn.close()


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    # No pre-ping: it costs a round trip per checkout. A connection broken by a database restart fails one
    # statement; SQLAlchemy then invalidates the pool, and consumers and timers retry.
    # hide_parameters: an error (and its log line) names the statement, never the customer's data in it.
    return create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_recycle=1800, hide_parameters=True)


class RawStatement:
    """A hot statement that is a whole use case, run on asyncpg directly over a connection of the service's pool.

    Written like any other (`text()` with `:name` parameters) and compiled once to asyncpg's `$n`; running it
    skips SQLAlchemy's per-execute work (parameter processing, result wrapping, the greenlet hop), ~0.1 ms a
    statement here. It runs in autocommit: one statement, atomic on its own.
    """

    def __init__(self, clause: TextClause) -> None:
        compiled = clause.compile(dialect=asyncpg_dialect())
        self.sql = str(compiled)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())

    async def fetchval(self, engine: AsyncEngine, params: dict[str, Any]) -> Any:
        args = [params[name] for name in self.names]
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            try:
                return await raw.driver_connection.fetchval(self.sql, *args)  # type: ignore[union-attr]
            except asyncpg.PostgresError:
                raise  # the server answered: the connection is fine
            except BaseException:
                # SQLAlchemy did not see this failure, so it would hand the connection out again: drop it.
                await conn.invalidate()
                raise


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One use case, one transaction: rolls back unless the use case commits."""
    async with factory() as session:
        try:
            yield session
        finally:
            if session.in_transaction():
                await session.rollback()


def service_of(migrations_dir: Path) -> str:
    """`services/<name>/migrations` → `<name>`."""
    return migrations_dir.absolute().parent.name


def version_table(migrations_dir: Path) -> str:
    """Each service records its migrations in a table of its own (`services/<name>/migrations` gives
    `alembic_version_<name>`), so two services pointed at one database never read each other's history."""
    return f"alembic_version_{service_of(migrations_dir)}"


def _config(url: str, migrations_dir: Path) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    config.attributes["version_table"] = version_table(migrations_dir)
    return config


def _upgrade(url: str, migrations_dir: Path) -> None:
    from alembic import command

    command.upgrade(_config(url, migrations_dir), "head")


def _revisions(url: str, migrations_dir: Path) -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_config(url, migrations_dir)).walk_revisions()}


async def _adopt_legacy_version_table(conn: asyncpg.Connection, url: str, migrations_dir: Path) -> None:
    """Databases migrated before per-service version tables keep their history: `alembic_version` is renamed
    when the revision it records is one of this service's."""
    table = version_table(migrations_dir)
    if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
        return
    if not await conn.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL"):
        return
    recorded = {r[0] for r in await conn.fetch("SELECT version_num FROM alembic_version")}
    service = service_of(migrations_dir)
    known = _revisions(url, migrations_dir)
    if recorded and all(r in known or f"{service}_{r}" in known for r in recorded):
        await conn.execute(f'ALTER TABLE alembic_version RENAME TO "{table}"')
        log.info("adopted alembic_version as %s", table)


async def _rename_legacy_revisions(conn: asyncpg.Connection, url: str, migrations_dir: Path) -> None:
    """Revision ids are unique across the workspace (`tickets_0002`); a database that recorded an id from before
    (`0002`) has it renamed to the service-prefixed one that now names the same migration."""
    table = version_table(migrations_dir)
    if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
        return
    known = _revisions(url, migrations_dir)
    service = service_of(migrations_dir)
    for (recorded,) in await conn.fetch(f'SELECT version_num FROM "{table}"'):
        renamed = f"{service}_{recorded}"
        if recorded not in known and renamed in known:
            await conn.execute(f'UPDATE "{table}" SET version_num = $1 WHERE version_num = $2', renamed, recorded)
            log.info("%s: recorded revision %s is now %s", table, recorded, renamed)


async def migrate(url: str, migrations_dir: Path) -> None:
    """Create the database if needed and upgrade it to head under an advisory lock."""
    await ensure_database(url)
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        try:
            await _adopt_legacy_version_table(conn, url, migrations_dir)
            await _rename_legacy_revisions(conn, url, migrations_dir)
            await asyncio.to_thread(_upgrade, url, migrations_dir)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
    finally:
        await conn.close()
