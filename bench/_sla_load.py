"""Bulk loading for bench/sla_timers.py: running clocks and their timer rows, straight into PostgreSQL.

Everything is generated server-side (generate_series), in (merchant, ticket) order so primary keys grow at the
right edge; the fire-time index is dropped during the load and built once afterwards.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from helpdesk_sla.domain import policy as sla_policy

MERCHANTS = 100
TARGET_SECONDS = 3600
L3_AFTER_SECONDS = 3600

_UUID = "lpad(to_hex({n}), 32, '0')::uuid"
_ISO = """to_char(({t}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""


async def load_configuration(conn: asyncpg.Connection) -> None:
    """Per merchant: a calendar open every day round the clock (real business-time code path, UTC so due times
    are exact), and a first-response policy of one hour with a ladder: L2 at the breach, L3 an hour later."""
    await conn.execute(
        f"""
        INSERT INTO sla_calendars (merchant_id, id, current_version)
        SELECT 'bench-' || m, {_UUID.format(n="1000000 + m")}, 1 FROM generate_series(0, {MERCHANTS - 1}) m;
        INSERT INTO sla_calendar_versions (merchant_id, calendar_id, version, name, time_zone, always_open,
                                           weekly_hours, holidays)
        SELECT 'bench-' || m, {_UUID.format(n="1000000 + m")}, 1, 'round the clock', 'UTC', false,
               (SELECT jsonb_agg(jsonb_build_object('day', d, 'start', '00:00:00', 'end', '00:00:00'))
                  FROM unnest(ARRAY['monday','tuesday','wednesday','thursday','friday','saturday','sunday']) d),
               '[]'
        FROM generate_series(0, {MERCHANTS - 1}) m;
        INSERT INTO sla_policies (merchant_id, id, current_version)
        SELECT 'bench-' || m, {_UUID.format(n="2000000 + m")}, 1 FROM generate_series(0, {MERCHANTS - 1}) m;
        INSERT INTO sla_policy_versions (merchant_id, policy_id, version, name, priority, first_response_seconds,
                                         pause_statuses, calendar_id, escalation)
        SELECT 'bench-' || m, {_UUID.format(n="2000000 + m")}, 1, 'bench', 'normal', {TARGET_SECONDS},
               ARRAY['waiting_customer'], {_UUID.format(n="1000000 + m")},
               '[{{"level": 2, "after_breach_seconds": 0, "metric": "first_response"}},
                 {{"level": 3, "after_breach_seconds": {L3_AFTER_SECONDS}, "metric": "first_response"}}]'
        FROM generate_series(0, {MERCHANTS - 1}) m;
        """
    )


async def load_clocks(conn: asyncpg.Connection, first: int, count: int, due_at_sql: str, *args: object) -> None:
    """`count` running clocks numbered from `first`, due at `due_at_sql` (an expression of the row number n).

    Each clock gets the rows the service itself plans for it: breach at the due time, L2 once the ladder's settle
    has passed, L3 an hour later.
    """
    await conn.execute(
        f"""
        CREATE UNLOGGED TABLE bench_plan AS
        SELECT n, 'bench-' || (n % {MERCHANTS}) AS merchant_id, {_UUID.format(n="n")} AS ticket_id,
               {due_at_sql} AS due_at
        FROM generate_series({first}, {first + count - 1}) n
        ORDER BY 2, 3
        """,
        *args,
    )
    started = f"(p.due_at - interval '1 second' * {TARGET_SECONDS})"
    policy, calendar = _UUID.format(n=f"2000000 + p.n % {MERCHANTS}"), _UUID.format(n=f"1000000 + p.n % {MERCHANTS}")
    await conn.execute(
        f"""
        INSERT INTO sla_tickets (merchant_id, ticket_id, ticket_version, status, priority, escalation_level,
                                 policy_id, policy_version, calendar_version, ticket_created_at)
        SELECT p.merchant_id, p.ticket_id, 1, 'in_progress', 'normal', 1, {policy}, 1, 1, {started}
        FROM bench_plan p
        """
    )
    await conn.execute(
        f"""
        INSERT INTO sla_clocks (merchant_id, ticket_id, metric, run, policy_id, policy_version, priority, calendar_id,
                                calendar_version, target_seconds, state, started_at, segments, due_at)
        SELECT p.merchant_id, p.ticket_id, 'first_response', 1, {policy}, 1, 'normal', {calendar}, 1,
               {TARGET_SECONDS}, 'running', {started},
               jsonb_build_array(jsonb_build_object('kind', 'running', 'start', {_ISO.format(t=started)}, 'end', null)),
               p.due_at
        FROM bench_plan p
        """
    )
    await conn.execute(
        f"""
        INSERT INTO sla_timers (merchant_id, ticket_id, metric, kind, level, run, fire_at)
        SELECT p.merchant_id, p.ticket_id, 'first_response', t.kind, t.level, 1,
               p.due_at + t.after * interval '1 second'
        FROM bench_plan p
        CROSS JOIN (VALUES ('breach', 0, 0.0), ('escalation', 2, {sla_policy.ESCALATION_SETTLE_SECONDS}),
                           ('escalation', 3, {L3_AFTER_SECONDS}))
             AS t(kind, level, after)
        """
    )
    await conn.execute("DROP TABLE bench_plan")


async def load_pending_clocks(conn: asyncpg.Connection, pending: int) -> None:
    """Empty the SLA tables and load `pending` clocks due 1 to 30 days from now (the index is built afterwards)."""
    await conn.execute("TRUNCATE sla_timers, sla_clocks, sla_ticket_facts, sla_tickets, outbox")
    await conn.execute("DROP INDEX IF EXISTS ix_sla_timers_fire_at")
    await load_clocks(conn, 0, pending, "now() + interval '1 day' + random() * interval '29 days'")
    await conn.execute("CREATE INDEX ix_sla_timers_fire_at ON sla_timers (fire_at)")
    await conn.execute("VACUUM ANALYZE sla_tickets, sla_clocks, sla_timers, outbox")


async def load_due_clocks(conn: asyncpg.Connection, pending: int, due: int, first_due: datetime, rate: int) -> None:
    """`due` more clocks falling due from `first_due` at `rate` a second."""
    due_at = f"$1::timestamptz + (n - {pending}) * interval '1 second' / {rate}"
    await load_clocks(conn, pending, due, due_at, first_due)
    await conn.execute("ANALYZE sla_tickets, sla_clocks, sla_timers")
    await conn.execute("CHECKPOINT")  # flush the load now rather than in the middle of the measured window


async def load_bare(conn: asyncpg.Connection, pending: int) -> None:
    """The baseline's tables: one row per deadline, `pending` of them due 1 to 30 days from now."""
    await conn.execute(
        """
        DROP TABLE IF EXISTS bare_timers, bare_outbox;
        CREATE TABLE bare_timers (id bigserial PRIMARY KEY, fire_at timestamptz NOT NULL, fired_at timestamptz);
        CREATE TABLE bare_outbox (id bigserial PRIMARY KEY, timer_id bigint NOT NULL, payload jsonb NOT NULL,
                                  created_at timestamptz NOT NULL DEFAULT now());
        """
    )
    await conn.execute(
        "INSERT INTO bare_timers (fire_at) SELECT now() + interval '1 day' + random() * interval '29 days'"
        " FROM generate_series(1, $1)",
        pending,
    )
    await conn.execute("CREATE INDEX ix_bare_timers_due ON bare_timers (fire_at) WHERE fired_at IS NULL")
    await conn.execute("VACUUM ANALYZE bare_timers")


async def load_bare_due(conn: asyncpg.Connection, due: int, first_due: datetime, rate: int) -> None:
    """`due` more deadlines from `first_due` at `rate` a second, exactly like the SLA load's."""
    await conn.execute(
        "INSERT INTO bare_timers (fire_at) SELECT $1::timestamptz + n * interval '1 second' / $2"
        " FROM generate_series(0, $3 - 1) n",
        first_due,
        rate,
        due,
    )
    await conn.execute("ANALYZE bare_timers")
    await conn.execute("CHECKPOINT")
