"""HTTP route for a ticket's SLA: staff only (customers get 403 whatever the ticket; see the README)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_servicekit.auth import StaffPrincipal
from helpdesk_servicekit.clock import utcnow
from helpdesk_servicekit.deps import SessionsDep
from helpdesk_servicekit.errors import NotFound
from helpdesk_sla.clocks import service
from helpdesk_sla.clocks.schemas import TicketSlaRead
from helpdesk_sla.clocks.views import ticket_view

router = APIRouter(prefix="/v1/sla", tags=["sla clocks"])


@router.get("/tickets/{ticket_id}", response_model=TicketSlaRead)
async def get_ticket_sla(ticket_id: uuid.UUID, principal: StaffPrincipal, db: SessionsDep) -> TicketSlaRead:
    record = await service.read_ticket(db, principal.merchant_id, ticket_id)
    if record is None:
        raise NotFound(f"no SLA record for ticket {ticket_id}")
    return ticket_view(record, utcnow())
