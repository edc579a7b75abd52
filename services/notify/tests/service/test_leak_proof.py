"""An agent's public reply reaches the customer everywhere; an internal note reaches staff only, on any channel."""

from __future__ import annotations

from ..harness import LiveClient, TicketStory, a_merchant, applied, eventually, staff, text_of, token


async def test_agent_reply_reaches_the_customer_in_app_live_and_by_email(notify, publisher, mailbox):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant, customer_email="reply-customer@example.com")
    await applied(notify.sessions, await ticket.created())
    async with LiveClient(notify.ws_url(token("cust-1", merchant, "customer"))) as live:
        reply = await ticket.replied("agent-7", body="Your parcel left our warehouse today.")
        await applied(notify.sessions, reply)
        frames = await eventually(lambda: live.frames)
    assert frames[0]["kind"] == "agent_reply"
    assert frames[0]["ticket_number"] == 1042 and frames[0]["body"] == "Your parcel left our warehouse today."
    inbox = await notify.inbox("cust-1", merchant, "customer")
    assert [n["kind"] for n in inbox] == ["agent_reply"]
    emails = await eventually(lambda: mailbox.to("reply-customer@example.com"))
    assert len(emails) == 1
    assert "#1042" in emails[0]["Subject"]
    assert "Your parcel left our warehouse today." in text_of(emails[0])
    assert emails[0]["Message-ID"] == f"<{frames[0]['id']}@shop.example>"


async def test_an_internal_note_reaches_the_assignee_and_never_the_customer(notify, publisher, mailbox):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant, customer_email="note-customer@example.com")
    await applied(
        notify.sessions,
        await staff(publisher, merchant, "agent-1", email_address="agent1@shop.example"),
        await ticket.created(),
    )
    await applied(notify.sessions, await ticket.assigned("agent-1"))
    async with (
        LiveClient(notify.ws_url(token("cust-1", merchant, "customer"))) as customer_live,
        LiveClient(notify.ws_url(token("agent-1", merchant, "agent"))) as agent_live,
    ):
        note = await ticket.replied("agent-2", visibility="internal")
        await applied(notify.sessions, note)
        await eventually(lambda: agent_live.frames)
        # Something public afterwards, so the customer's socket is known to be live and in order.
        await applied(notify.sessions, await ticket.moved("waiting_customer", by="agent-1"))
        await eventually(lambda: customer_live.frames)
    assert agent_live.kinds() == ["internal_note"]
    assert customer_live.kinds() == ["waiting_on_you"]
    assert [n["kind"] for n in await notify.inbox("cust-1", merchant, "customer")] == ["waiting_on_you"]
    assert "internal_note" in [n["kind"] for n in await notify.inbox("agent-1", merchant, "agent")]
    await eventually(lambda: mailbox.to("agent1@shop.example") and mailbox.to("note-customer@example.com"))
    assert [m["Subject"] for m in mailbox.to("note-customer@example.com")] == [
        "[#1042] Ticket #1042 is waiting for your reply"
    ]
    assert any("Internal note" in m["Subject"] for m in mailbox.to("agent1@shop.example"))


async def test_compensation_reason_stays_internal_and_the_customer_note_reaches_the_customer(
    notify, publisher, mailbox
):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant, customer_email="comp-customer@example.com")
    await applied(notify.sessions, await ticket.created())
    await applied(notify.sessions, await ticket.assigned("agent-1"))
    issued = await ticket.compensated(reason="carrier lost it, blame DHL", note="Sorry for the wait!", by="agent-9")
    await applied(notify.sessions, issued)
    [customer_item] = await notify.inbox("cust-1", merchant, "customer")
    assert customer_item["body"] == "Sorry for the wait!"
    assert "DHL" not in str(customer_item)
    [agent_item] = [n for n in await notify.inbox("agent-1", merchant, "agent") if n["kind"] == "compensation_issued"]
    assert agent_item["body"] == "carrier lost it, blame DHL"
    [mail] = await eventually(lambda: mailbox.to("comp-customer@example.com"))
    assert "Sorry for the wait!" in text_of(mail) and "DHL" not in text_of(mail)
