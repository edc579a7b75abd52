"""Event subscribers: envelope → use case, inside servicekit's inbox-guarded transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import (
    Envelope,
    EventType,
    Payload,
    RoutingAssignmentDecided,
    RoutingTicketQueued,
    SlaBreached,
    SlaClockChanged,
    SlaEscalationRequested,
    SlaMet,
    SlaWarning,
)
from helpdesk_contracts.routing import AgentUpserted, RoutingUnassigned
from helpdesk_servicekit.consumers import EventConsumers
from helpdesk_tickets.agents.service import apply_agent_upserted
from helpdesk_tickets.assignment.service import apply_routing_decision, apply_ticket_queued, apply_unassignment
from helpdesk_tickets.domain.assignment import RoutingDecision
from helpdesk_tickets.domain.sla import ClockEvent, ClockFact
from helpdesk_tickets.escalation.service import apply_sla_escalation
from helpdesk_tickets.sla_flags.service import apply_clock_event_to_ticket

consumers = EventConsumers("tickets")


@consumers.on(EventType.ROUTING_ASSIGNMENT_DECIDED)
async def on_assignment_decided(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, RoutingAssignmentDecided)
    decision = RoutingDecision(payload.agent_id, payload.ticket_version, envelope.occurred_at, payload.group_id)
    await apply_routing_decision(session, envelope.merchant_id, payload.ticket_id, decision)


@consumers.on(EventType.ROUTING_TICKET_QUEUED)
async def on_ticket_queued(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, RoutingTicketQueued)
    await apply_ticket_queued(
        session, envelope.merchant_id, payload.ticket_id, payload.ticket_version, payload.group_id, envelope.occurred_at
    )


@consumers.on(RoutingUnassigned.event_type)
async def on_unassigned(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, RoutingUnassigned)
    await apply_unassignment(
        session,
        envelope.merchant_id,
        payload.ticket_id,
        payload.previous_agent_id,
        payload.ticket_version,
        payload.group_id,
        envelope.occurred_at,
    )


@consumers.on(AgentUpserted.event_type)
async def on_agent_upserted(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, AgentUpserted)
    await apply_agent_upserted(session, envelope.merchant_id, payload)


@consumers.on(EventType.SLA_ESCALATION_REQUESTED)
async def on_escalation_requested(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, SlaEscalationRequested)
    await apply_sla_escalation(session, envelope.merchant_id, payload.ticket_id, payload.level, payload.metric)


_FACTS = {SlaWarning: ClockFact.WARNED, SlaBreached: ClockFact.BREACHED, SlaMet: ClockFact.MET}


async def _clock_event(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, SlaWarning | SlaBreached | SlaMet)
    event = ClockEvent(
        metric=payload.metric.value,
        fact=_FACTS[type(payload)],
        at=payload.at,
        run=payload.run,
        due_at=payload.due_at,
        within_target=payload.within_target,
    )
    await apply_clock_event_to_ticket(session, envelope.merchant_id, payload.ticket_id, event)


@consumers.on(EventType.SLA_WARNING)
async def on_sla_warning(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    await _clock_event(session, envelope, payload)


@consumers.on(EventType.SLA_BREACHED)
async def on_sla_breached(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    await _clock_event(session, envelope, payload)


@consumers.on(EventType.SLA_MET)
async def on_sla_met(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    await _clock_event(session, envelope, payload)


@consumers.on(EventType.SLA_CLOCK_CHANGED)
async def on_sla_clock_changed(session: AsyncSession, envelope: Envelope, payload: Payload) -> None:
    assert isinstance(payload, SlaClockChanged)
    event = ClockEvent(
        metric=payload.metric.value,
        fact=ClockFact(payload.state),
        at=payload.at,
        run=payload.run,
        due_at=payload.due_at,
    )
    await apply_clock_event_to_ticket(session, envelope.merchant_id, payload.ticket_id, event)
