from __future__ import annotations

from ..harness import Routing, Ticket, a_merchant


async def test_a_new_ticket_goes_to_the_only_online_agent(routing: Routing) -> None:
    m = a_merchant()
    group = await routing.add_group(m, "Support")
    await routing.add_agent(m, "ann", group_ids=[group["id"]])
    ticket = Ticket(m)
    assert await routing.apply(*ticket.created())
    assert (await routing.decisions(m)) == {str(ticket.id): "ann"}
    assert await routing.load_of(m, "ann") == 1
