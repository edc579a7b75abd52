"""Email over a real SMTP server: once per event, retried with backoff while the server is down."""

from __future__ import annotations

from ..harness import TicketStory, a_merchant, applied, eventually, free_port, serving, smtp_server


async def deliveries_where(service, merchant, status=None, min_attempts=0):
    rows = await service.deliveries(merchant)
    return [d for d in rows if (status is None or d["status"] == status) and d["attempts"] >= min_attempts]


async def test_the_same_event_delivered_twice_sends_one_email_and_one_inbox_item(notify, publisher, mailbox):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant, customer_email="dup-customer@example.com")
    await applied(notify.sessions, await ticket.created())
    reply = await ticket.replied("agent-1")
    await publisher.publish_envelope(reply)
    await publisher.publish_envelope(reply)
    await applied(notify.sessions, reply)
    await eventually(lambda: mailbox.to("dup-customer@example.com"))
    [item] = await notify.inbox("cust-1", merchant, "customer")
    [sent] = await eventually(lambda: deliveries_where(notify, merchant, status="sent"))
    assert sent["notification_id"] == item["id"]
    await applied(notify.sessions, await ticket.moved("resolved"))  # later work is done, the duplicate long handled
    await eventually(lambda: len(mailbox.to("dup-customer@example.com")) == 2)
    assert [m["Message-ID"] for m in mailbox.to("dup-customer@example.com")].count(f"<{item['id']}@shop.example>") == 1


async def test_a_recipient_without_an_address_gets_in_app_and_a_log_row_saying_why(notify, publisher):
    merchant = a_merchant()
    ticket = TicketStory(publisher, merchant, customer_email=None)
    await applied(notify.sessions, await ticket.created())
    await applied(notify.sessions, await ticket.replied("agent-1"))
    assert len(await notify.inbox("cust-1", merchant, "customer")) == 1
    [log] = await notify.deliveries(merchant)
    assert log["status"] == "failed" and log["reason"] == "no email address known for this recipient"


async def test_while_smtp_is_down_the_email_waits_and_goes_out_once_when_it_returns(
    notify_database, notify_settings, own_namespace, publisher_for
):
    port = free_port()
    settings = notify_settings(await notify_database(), own_namespace, smtp_url=f"smtp://127.0.0.1:{port}")
    publisher = await publisher_for(own_namespace)
    async with serving(settings) as service:
        merchant = a_merchant()
        ticket = TicketStory(publisher, merchant, customer_email="patient@example.com")
        await applied(service.sessions, await ticket.created())
        await applied(service.sessions, await ticket.replied("agent-1"))
        [queued] = await eventually(lambda: deliveries_where(service, merchant, min_attempts=2))
        assert queued["status"] == "queued" and "unreachable" in queued["reason"]
        with smtp_server(port) as mailbox:
            await eventually(lambda: mailbox.to("patient@example.com"), timeout=15)
            [sent] = await eventually(lambda: deliveries_where(service, merchant, status="sent"))
            assert sent["attempts"] >= 3
            assert len(mailbox.to("patient@example.com")) == 1
