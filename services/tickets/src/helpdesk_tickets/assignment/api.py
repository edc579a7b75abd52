from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_servicekit.auth import StaffPrincipal
from helpdesk_servicekit.openapi import problems
from helpdesk_tickets.assignment import service
from helpdesk_tickets.assignment.schemas import AssignmentCreate
from helpdesk_tickets.deps import SessionsDep
from helpdesk_tickets.tickets.schemas import TicketRead

router = APIRouter(prefix="/v1/tickets", tags=["assignment"])


@router.post("/{ticket_id}/assignment", response_model=TicketRead, responses=problems(403, 409))
async def assign(
    ticket_id: uuid.UUID, data: AssignmentCreate, principal: StaffPrincipal, sessions: SessionsDep
) -> TicketRead:
    """Managers assign anyone; agents assign themselves."""
    return await service.assign(sessions, principal, ticket_id, data.agent_id)


@router.delete("/{ticket_id}/assignment", response_model=TicketRead, responses=problems(403, 409))
async def unassign(ticket_id: uuid.UUID, principal: StaffPrincipal, sessions: SessionsDep) -> TicketRead:
    """Managers unassign anyone; agents release their own tickets."""
    return await service.assign(sessions, principal, ticket_id, None)
