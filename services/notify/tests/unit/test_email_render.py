from __future__ import annotations

import uuid

import pytest

from helpdesk_notify.domain.content import CustomerContent, PublicText, StaffContent, TicketRef
from helpdesk_notify.email.render import locales, message_id, render_customer_email, render_staff_email
from helpdesk_notify.email.sender import SmtpServer

REF = TicketRef(uuid.uuid4(), 1042, "Where is my <parcel>?")


def test_a_customer_email_has_the_ticket_number_in_the_subject_and_the_body_in_text_and_html():
    content = CustomerContent(
        kind="agent_reply",
        title="New reply",
        body=PublicText.of_product("It <ships> today"),
        ticket=REF,
        link="https://x/t",
    )
    email = render_customer_email(content, "Casey", "en")
    assert email.subject == "[#1042] New reply"
    assert "It <ships> today" in email.text and "Hello Casey" in email.text
    assert "It &lt;ships&gt; today" in email.html and "Where is my &lt;parcel&gt;?" in email.html


def test_customer_rendering_refuses_staff_content():
    with pytest.raises(TypeError):
        render_customer_email(StaffContent(kind="internal_note", title="x"), None, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        render_staff_email(CustomerContent(kind="agent_reply", title="x"), None, None)  # type: ignore[arg-type]


def test_an_unknown_locale_falls_back_to_english_and_an_unknown_kind_to_the_generic_template():
    assert locales("de-AT") == ["de_at", "de", "en"]
    assert locales("../../etc") == ["en"]
    email = render_staff_email(StaffContent(kind="something_new", title="Hi\r\nBcc: x"), None, "fr")
    assert "\n" not in email.subject and "Hi" in email.text


def test_the_message_id_is_derived_from_the_notification():
    nid = uuid.uuid4()
    assert message_id(nid, "Helpdesk <support@shop.example>") == f"<{nid}@shop.example>"


def test_smtp_urls():
    assert SmtpServer.from_url("smtp://127.0.0.1:1025") == SmtpServer("127.0.0.1", 1025)
    server = SmtpServer.from_url("smtps://u%40x:p@mail.example")
    assert (server.port, server.use_tls, server.username, server.password) == (465, True, "u@x", "p")
    with pytest.raises(ValueError):
        SmtpServer.from_url("http://x")
