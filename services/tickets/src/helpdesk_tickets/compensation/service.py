"""Compensation: store credit, vouchers, refunds, discounts; above the threshold a manager approves first.

`ticket.compensation_issued` is staged exactly once per compensation, in the transaction that issues it
(on creation below the threshold, or on approval); an Idempotency-Key replay returns the stored response.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import CompensationType, TicketCompensationIssued
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.db import unit_of_work
from helpdesk_servicekit.deps import Sessions
from helpdesk_servicekit.errors import Conflict, NotFound
from helpdesk_tickets.compensation import repository
from helpdesk_tickets.compensation.schemas import (
    CompensationCreate,
    CompensationDecision,
    CompensationList,
    CompensationRead,
    CurrencyTotal,
)
from helpdesk_tickets.domain.compensation import MINOR_UNITS, InvalidAmount, check_amount, needs_approval
from helpdesk_tickets.merchant_settings.service import load_merchant_settings
from helpdesk_tickets.models import Compensation, Ticket
from helpdesk_tickets.problems import field_error
from helpdesk_tickets.settings import TicketsSettings
from helpdesk_tickets.shared import Actor, actor_fields, audit, emit, load_visible, snapshot, touch

ISSUED, PENDING, REJECTED = "issued", "pending_approval", "rejected"


async def _issue(session: AsyncSession, ticket: Ticket, compensation: Compensation, actor: Actor) -> None:
    now = utcnow()
    compensation.status = ISSUED
    compensation.issued_at = now
    touch(ticket, now)
    await emit(
        session,
        ticket,
        TicketCompensationIssued(
            ticket=snapshot(ticket),
            compensation_id=compensation.id,
            type=CompensationType(compensation.type),
            amount=compensation.amount,
            currency=compensation.currency,
            order_id=compensation.order_id,
            reason=compensation.reason,
            **actor_fields(actor),
        ),
    )


def _describe(compensation: Compensation) -> dict[str, Any]:
    return {
        "compensation_id": str(compensation.id),
        "type": compensation.type,
        "amount": str(compensation.amount),
        "currency": compensation.currency,
        "status": compensation.status,
    }


async def request_compensation(
    session: AsyncSession,
    principal: Principal,
    ticket_id: uuid.UUID,
    data: CompensationCreate,
    defaults: TicketsSettings,
) -> CompensationRead:
    """Issue a compensation now, or park it for a manager's approval when it is above the threshold."""
    try:
        amount = check_amount(data.amount, data.currency)
    except InvalidAmount as exc:
        raise field_error(f"body.{exc.field}", str(exc)) from None
    ticket = await load_visible(session, principal, ticket_id, for_update=True)
    merchant_settings = await load_merchant_settings(session, principal.merchant_id, defaults)
    now = utcnow()
    compensation = Compensation(
        merchant_id=ticket.merchant_id,
        ticket_id=ticket.id,
        type=data.type.value,
        amount=amount,
        currency=data.currency,
        order_id=data.order_id or ticket.order_id,
        reason=data.reason,
        status=PENDING,
        requested_by=principal.user_id,
        requested_role=principal.role.value,
        created_at=now,
    )
    session.add(compensation)
    actor = Actor.of(principal)
    if needs_approval(amount, merchant_settings.threshold_for(data.currency), principal.role):
        touch(ticket, now)
    else:
        await _issue(session, ticket, compensation, actor)
    audit(session, ticket, actor, "compensation", None, _describe(compensation), now)
    return CompensationRead.model_validate(compensation)


async def decide(
    sessions: Sessions,
    principal: Principal,
    ticket_id: uuid.UUID,
    compensation_id: uuid.UUID,
    data: CompensationDecision,
) -> CompensationRead:
    """A manager approves (→ issued, event) or rejects a pending compensation; deciding twice is a 409."""
    async with unit_of_work(sessions) as session:
        ticket = await load_visible(session, principal, ticket_id, for_update=True)
        compensation = await repository.get(session, principal.merchant_id, ticket.id, compensation_id, for_update=True)
        if compensation is None:
            raise NotFound(f"compensation {compensation_id} not found")
        if compensation.status != PENDING:
            raise Conflict(f"this compensation is already {compensation.status}", status=compensation.status)
        now = utcnow()
        old = _describe(compensation)
        compensation.decided_by = principal.user_id
        compensation.decided_at = now
        compensation.decision_comment = data.comment
        actor = Actor.of(principal)
        if data.approved:
            await _issue(session, ticket, compensation, actor)
        else:
            compensation.status = REJECTED
            touch(ticket, now)
        audit(session, ticket, actor, "compensation_status", old["status"], compensation.status, now)
        await session.commit()
        return CompensationRead.model_validate(compensation)


def _totals(rows: list[Compensation]) -> list[CurrencyTotal]:
    issued: dict[str, Decimal] = defaultdict(Decimal)
    pending: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.status == ISSUED:
            issued[row.currency] += row.amount
        elif row.status == PENDING:
            pending[row.currency] += row.amount
    step = {c: Decimal(1).scaleb(-MINOR_UNITS.get(c, 2)) for c in set(issued) | set(pending)}
    return [
        CurrencyTotal(
            currency=c,
            issued=str(issued[c].quantize(step[c])),
            pending_approval=str(pending[c].quantize(step[c])),
        )
        for c in sorted(step)
    ]


async def list_compensations(sessions: Sessions, principal: Principal, ticket_id: uuid.UUID) -> CompensationList:
    async with unit_of_work(sessions) as session:
        await load_visible(session, principal, ticket_id)
        rows = await repository.for_ticket(session, principal.merchant_id, ticket_id)
        return CompensationList(items=[CompensationRead.model_validate(r) for r in rows], totals=_totals(rows))
