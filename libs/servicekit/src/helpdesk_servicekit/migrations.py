"""What every service's Alembic env.py runs: online migrations over the async engine."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def run_migrations(target_metadata: MetaData) -> None:
    """Body of a service's env.py: offline SQL or online upgrade with the configured URL."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not configured"
    version_table = context.config.attributes.get("version_table", "alembic_version")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection, target_metadata=target_metadata, compare_type=True, version_table=version_table
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


def create_kit_tables(bind: Connection, *, timers: bool = False) -> None:
    """Create the outbox, processed_events and idempotency tables (and timers) in a first migration."""
    from helpdesk_servicekit.idempotency import IdempotencyRecord
    from helpdesk_servicekit.inbox import ProcessedEvent
    from helpdesk_servicekit.outbox import OutboxMessage
    from helpdesk_servicekit.timers import Timer

    models: list[Any] = [OutboxMessage, ProcessedEvent, IdempotencyRecord] + ([Timer] if timers else [])
    for model in models:
        model.__table__.create(bind=bind, checkfirst=True)


def execute_script(script: str) -> None:
    """Run a multi-statement SQL script statement by statement (asyncpg prepares one at a time)."""
    from alembic import op

    for statement in (s.strip() for s in script.split(";\n")):
        if statement.strip().rstrip(";"):
            op.execute(statement.rstrip(";"))
