"""Where a service's database is: a server URL gives each service its own database and migration history."""

from pathlib import Path

import asyncpg
import pytest

from helpdesk_servicekit.db import migrate, plain_dsn, version_table
from helpdesk_servicekit.settings import ServiceSettings, SettingsError, load_settings

SECRET = "x" * 40
TICKETS_MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "tickets" / "migrations"
SLA_MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "sla" / "migrations"


class ProbeSettings(ServiceSettings):
    service_name = "probe"


def test_a_shared_database_url_that_names_a_database_is_refused_with_one_line(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "dev")
    monkeypatch.setenv("HELPDESK_JWT_SECRET", SECRET)
    monkeypatch.setenv("HELPDESK_DATABASE_URL", "postgresql://postgres@db:5432/postgres")
    with pytest.raises(SettingsError) as caught:
        load_settings(ProbeSettings)
    assert "names the database 'postgres'" in caught.value.line
    assert "HELPDESK_PROBE_DATABASE_URL" in caught.value.line
    monkeypatch.setenv("HELPDESK_PROBE_DATABASE_URL", "postgresql://postgres@db:5432/probe")
    assert load_settings(ProbeSettings).service_dsn.endswith("/probe")


def test_each_service_keeps_its_migration_history_in_a_table_of_its_own():
    assert version_table(TICKETS_MIGRATIONS) == "alembic_version_tickets"
    assert version_table(SLA_MIGRATIONS) == "alembic_version_sla"


async def test_two_services_migrated_into_one_database_do_not_collide(database_factory):
    url = await database_factory("shared")
    await migrate(url, TICKETS_MIGRATIONS)
    await migrate(url, SLA_MIGRATIONS)
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        tables = {r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE tablename LIKE 'alembic%'")}
        assert tables == {"alembic_version_tickets", "alembic_version_sla"}
        assert await conn.fetchval("SELECT to_regclass('tickets') IS NOT NULL")
        assert await conn.fetchval("SELECT to_regclass('sla_clocks') IS NOT NULL")
    finally:
        await conn.close()


async def test_a_database_migrated_before_per_service_tables_keeps_its_history(database_factory):
    url = await database_factory("legacy")
    await migrate(url, SLA_MIGRATIONS)
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        await conn.execute("ALTER TABLE alembic_version_sla RENAME TO alembic_version")
        head = await conn.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()
    await migrate(url, SLA_MIGRATIONS)
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        assert await conn.fetchval("SELECT version_num FROM alembic_version_sla") == head
        assert not await conn.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
    finally:
        await conn.close()


async def test_a_database_that_recorded_an_unprefixed_revision_id_keeps_its_history(database_factory):
    url = await database_factory("renamed")
    await migrate(url, SLA_MIGRATIONS)
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        head = await conn.fetchval("SELECT version_num FROM alembic_version_sla")
        assert head.startswith("sla_")
        await conn.execute("UPDATE alembic_version_sla SET version_num = $1", head.removeprefix("sla_"))
    finally:
        await conn.close()
    await migrate(url, SLA_MIGRATIONS)  # would fail on an unknown revision if the old id were not renamed
    conn = await asyncpg.connect(plain_dsn(url))
    try:
        assert await conn.fetchval("SELECT version_num FROM alembic_version_sla") == head
    finally:
        await conn.close()
