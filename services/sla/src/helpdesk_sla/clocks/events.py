"""Domain SLA events to integration events, staged in the outbox in one round trip per batch."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import (
    Envelope,
    Payload,
    SlaBreached,
    SlaEscalationRequested,
    SlaMet,
    SlaMetric,
    SlaWarning,
    make_envelope,
)
from helpdesk_servicekit import outbox
from helpdesk_servicekit.outbox import OutboxMessage
from helpdesk_sla.clocks.repository import TicketRecord
from helpdesk_sla.domain import SlaEvent, SlaEventKind

PRODUCER = "sla"
_CLOCK_EVENTS: dict[SlaEventKind, type[SlaWarning | SlaBreached | SlaMet]] = {
    SlaEventKind.WARNING: SlaWarning,
    SlaEventKind.BREACHED: SlaBreached,
    SlaEventKind.MET: SlaMet,
}


def payload_of(record: TicketRecord, event: SlaEvent) -> Payload:
    metric = SlaMetric(event.metric.value)
    if event.kind is SlaEventKind.ESCALATION_REQUESTED:
        return SlaEscalationRequested(
            ticket_id=record.ticket_id,
            level=event.level or 0,
            metric=metric,
            breached_at=event.breached_at,
            policy_id=event.policy_id,
            policy_version=event.policy_version,
            from_level=event.from_level,
            ticket_version=record.ticket_version,
        )
    return _CLOCK_EVENTS[event.kind](
        ticket_id=record.ticket_id,
        metric=metric,
        due_at=event.due_at,
        at=event.at,
        business_seconds_used=round(event.business_seconds_used, 6),
        policy_id=event.policy_id,
        policy_version=event.policy_version,
        ticket_version=record.ticket_version,
        run=event.run,
        target_seconds=event.target_seconds,
        within_target=event.within_target,
        priority=event.priority,
    )


def envelopes(
    record: TicketRecord, events: Sequence[SlaEvent], *, correlation_id: str | None, causation_id: str | None
) -> list[Envelope]:
    return [
        make_envelope(
            payload_of(record, event),
            merchant_id=record.merchant_id,
            producer=PRODUCER,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        for event in events
    ]


async def stage(session: AsyncSession, staged: Sequence[tuple[TicketRecord, Envelope]]) -> None:
    """Write the envelopes to the outbox in the caller's transaction, ordered per ticket, and wake the relay.

    Same rows as servicekit's outbox.add, written with one INSERT and one NOTIFY for the whole batch.
    """
    if not staged:
        return
    headers = outbox.trace_headers()
    rows = []
    for record, envelope in staged:
        row_headers = dict(headers)
        if envelope.correlation_id:
            row_headers["x-correlation-id"] = envelope.correlation_id
        rows.append(
            {
                "event_id": envelope.event_id,
                "merchant_id": envelope.merchant_id,
                "event_type": envelope.event_type,
                "partition": outbox.partition_of(str(record.ticket_id)),
                "envelope": envelope.model_dump(mode="json"),
                "headers": row_headers,
                "attempts": 0,
            }
        )
    await session.execute(insert(OutboxMessage.__table__), rows)  # type: ignore[attr-defined]
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": outbox.NOTIFY_CHANNEL})
