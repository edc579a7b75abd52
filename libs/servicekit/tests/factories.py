from __future__ import annotations

import uuid
from datetime import UTC, datetime

from helpdesk_contracts import Envelope, Priority, TicketCreated, TicketSnapshot, TicketStatus, make_envelope


def ticket_created(ticket_id: uuid.UUID | None = None, version: int = 1, subject: str = "help") -> Envelope:
    snapshot = TicketSnapshot(
        ticket_id=ticket_id or uuid.uuid4(),
        number=version,
        customer_id="c1",
        subject=subject,
        status=TicketStatus.NEW,
        priority=Priority.NORMAL,
        created_at=datetime.now(UTC),
        ticket_version=version,
    )
    return make_envelope(TicketCreated(ticket=snapshot), merchant_id="m1", producer="test")
