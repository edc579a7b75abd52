"""What every feature's use cases share: the actor, the ticket snapshot, events and visibility rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_contracts import Payload, Role, TicketSnapshot, TicketStatus
from helpdesk_servicekit import outbox
from helpdesk_servicekit.auth import Principal
from helpdesk_servicekit.errors import NotFound
from helpdesk_tickets import repository
from helpdesk_tickets.agents import repository as agents_repository
from helpdesk_tickets.merchant_settings.service import AGENTS_SEE_ALL_TICKETS
from helpdesk_tickets.models import HistoryEntry, Ticket

PRODUCER = "tickets"
events = outbox.Producer(PRODUCER)
SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    """Who made a change: a person (customer, agent, manager) or the system (routing, sla, auto-close)."""

    id: str
    role: Role | None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.user_id, principal.role)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(f"system:{name}", None)

    @property
    def role_name(self) -> str:
        return self.role.value if self.role else SYSTEM_ROLE


def snapshot(ticket: Ticket) -> TicketSnapshot:
    return TicketSnapshot(
        ticket_id=ticket.id,
        number=ticket.number,
        customer_id=ticket.customer_id,
        customer_email=ticket.customer_email,
        customer_name=ticket.customer_name,
        subject=ticket.subject,
        status=TicketStatus(ticket.status),
        priority=ticket.priority,  # type: ignore[arg-type]
        category_id=ticket.category_id,
        tags=list(ticket.tags),
        assignee_id=ticket.assignee_id,
        escalation_level=ticket.escalation_level,
        order_id=ticket.order_id,
        product_id=ticket.product_id,
        sla_state=ticket.sla_state,  # type: ignore[arg-type]
        sla_due_at=ticket.sla_due_at,
        description=ticket.description,
        locale=ticket.locale,
        created_at=ticket.created_at,
        ticket_version=ticket.version,
    )


async def emit(session: AsyncSession, ticket: Ticket, payload: Payload, causation_id: str | None = None) -> None:
    """Stage an event about `ticket` in the current transaction, ordered by ticket."""
    await events.stage(
        session, payload, merchant_id=ticket.merchant_id, ordering_key=str(ticket.id), causation_id=causation_id
    )


def actor_fields(actor: Actor) -> dict[str, Any]:
    return {"actor_id": actor.id, "actor_role": actor.role}


def touch(ticket: Ticket, now: datetime) -> None:
    """Every change bumps the ticket's version: one version per event, so consumers can order them."""
    ticket.updated_at = now
    ticket.version += 1


def audit(session: AsyncSession, ticket: Ticket, actor: Actor, field: str, old: Any, new: Any, now: datetime) -> None:
    """Append one row to the ticket's audit trail (never updated, never deleted)."""
    session.add(
        HistoryEntry(
            merchant_id=ticket.merchant_id,
            ticket_id=ticket.id,
            at=now,
            actor_id=actor.id,
            actor_role=actor.role_name,
            field=field,
            old_value=_jsonable(old),
            new_value=_jsonable(new),
            ticket_version=ticket.version,
        )
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | datetime):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


async def may_see(session: AsyncSession, principal: Principal, ticket: Ticket) -> bool:
    """A customer sees their own tickets; a manager every ticket of the merchant; an agent too, unless the
    merchant turned `agents_see_all_tickets` off: then the tickets assigned to them and those of their groups."""
    if ticket.merchant_id != principal.merchant_id:
        return False
    if principal.role is Role.CUSTOMER:
        return ticket.customer_id == principal.user_id
    if principal.role is Role.MANAGER or ticket.assignee_id == principal.user_id:
        return True
    see_all, groups = await agent_scope(session, principal)
    return see_all or (ticket.group_id is not None and ticket.group_id in groups)


async def agent_scope(session: AsyncSession, principal: Principal) -> tuple[bool, list[str]]:
    """For an agent: whether they see every ticket of the merchant, and their groups in the agent directory."""
    return await agents_repository.agent_scope(
        session, principal.merchant_id, principal.user_id, AGENTS_SEE_ALL_TICKETS
    )


async def load_visible(
    session: AsyncSession, principal: Principal, ticket_id: uuid.UUID, *, for_update: bool = False
) -> Ticket:
    """The ticket if the caller may see it; 404 for another merchant's, another customer's, or (for an agent
    restricted to their own and their groups' tickets) one outside that view."""
    ticket = await repository.get_ticket(session, principal.merchant_id, ticket_id, for_update=for_update)
    if ticket is None or not await may_see(session, principal, ticket):
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket
