"""The clocks repository's bulk write: one statement for every table a round or a use case changes."""

from helpdesk_servicekit import outbox

# Every write of a round or a use case in one statement: data-modifying CTEs run whether or not they are read.
# The events go in through servicekit's set-based outbox insert, from one jsonb array ($48, `outbox.rows_json`).
SAVE = (
    """
WITH tickets AS (
    UPDATE sla_tickets s SET ticket_version = u.v, status = u.status, priority = u.priority,
        category_id = u.category_id, tags = ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)),
        escalation_level = u.level, policy_id = u.policy_id, policy_version = u.policy_version,
        calendar_version = u.calendar_version, updated_at = now()
    FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::int[],
                $9::uuid[], $10::int[], $11::int[])
        AS u(m, t, v, status, priority, category_id, tags, level, policy_id, policy_version, calendar_version)
    WHERE s.merchant_id = u.m AND s.ticket_id = u.t
), gone_clocks AS (
    DELETE FROM sla_clocks c USING unnest($12::text[], $13::uuid[], $14::text[], $15::int[]) AS d(m, t, metric, run)
    WHERE c.merchant_id = d.m AND c.ticket_id = d.t AND c.metric = d.metric AND c.run = d.run
), clocks AS (
    INSERT INTO sla_clocks (merchant_id, ticket_id, metric, run, policy_id, policy_version, priority, calendar_id,
        calendar_version, target_seconds, state, started_at, segments, due_at, warned_at, breached_at, met_at,
        ended_at, business_seconds_used, met_count, updated_at)
    SELECT m, t, metric, run, policy_id, policy_version, priority, calendar_id, calendar_version, target, state,
        started_at, segments::jsonb, due_at, warned_at, breached_at, met_at, ended_at, used, met_count, now()
    FROM unnest($16::text[], $17::uuid[], $18::text[], $19::int[], $20::uuid[], $21::int[], $22::text[], $23::uuid[],
                $24::int[], $25::float8[], $26::text[], $27::timestamptz[], $28::text[], $29::timestamptz[],
                $30::timestamptz[], $31::timestamptz[], $32::timestamptz[], $33::timestamptz[], $34::float8[],
                $35::smallint[])
        AS u(m, t, metric, run, policy_id, policy_version, priority, calendar_id, calendar_version, target, state,
             started_at, segments, due_at, warned_at, breached_at, met_at, ended_at, used, met_count)
    ON CONFLICT (merchant_id, ticket_id, metric, run) DO UPDATE SET policy_id = EXCLUDED.policy_id,
        policy_version = EXCLUDED.policy_version, priority = EXCLUDED.priority, calendar_id = EXCLUDED.calendar_id,
        calendar_version = EXCLUDED.calendar_version, target_seconds = EXCLUDED.target_seconds,
        state = EXCLUDED.state, segments = EXCLUDED.segments,
        due_at = CASE WHEN EXCLUDED.state IN ('met', 'stopped') THEN COALESCE(EXCLUDED.due_at, sla_clocks.due_at)
                      ELSE EXCLUDED.due_at END,
        warned_at = EXCLUDED.warned_at, breached_at = EXCLUDED.breached_at, met_at = EXCLUDED.met_at,
        ended_at = EXCLUDED.ended_at, business_seconds_used = EXCLUDED.business_seconds_used,
        met_count = EXCLUDED.met_count, updated_at = now()
), gone_timers AS (
    DELETE FROM sla_timers x
    USING unnest($36::text[], $37::uuid[], $38::text[], $39::text[], $40::smallint[]) AS d(m, t, metric, kind, level)
    WHERE x.merchant_id = d.m AND x.ticket_id = d.t AND x.metric = d.metric AND x.kind = d.kind AND x.level = d.level
), timers AS (
    INSERT INTO sla_timers (merchant_id, ticket_id, metric, kind, level, fire_at, run)
    SELECT * FROM unnest($41::text[], $42::uuid[], $43::text[], $44::text[], $45::smallint[], $46::timestamptz[],
                         $47::int[])
    ON CONFLICT (merchant_id, ticket_id, metric, kind, level) DO UPDATE SET fire_at = EXCLUDED.fire_at,
        run = EXCLUDED.run
)
"""
    + outbox.insert_sql("$48")
)
