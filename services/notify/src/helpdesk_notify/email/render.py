"""Email text and HTML from Jinja2 templates per notification kind and locale (English is the fallback).

Customer email is rendered only from `CustomerContent` and staff email only from `StaffContent`: the two
entry points take nothing else, so an internal note cannot be put into a customer's email.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, UndefinedError, select_autoescape

from helpdesk_notify.domain.content import Content, CustomerContent, StaffContent

TEMPLATES = Path(__file__).parent / "templates"
FALLBACK_LOCALE = "en"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def locales(locale: str | None) -> list[str]:
    """Template folders to try for a locale, most specific first: de-AT → de_at, de, en."""
    tried: list[str] = []
    if locale:
        tag = locale.strip().lower().replace("-", "_")
        tried += [tag, tag.split("_")[0]]
    return list(dict.fromkeys([*(t for t in tried if t.isascii() and t.replace("_", "").isalnum()), FALLBACK_LOCALE]))


def _template(kind: str, extension: str, locale: str | None) -> Any:
    env = _environment()
    for folder in locales(locale):
        try:
            return env.get_template(f"{folder}/{kind}.{extension}")
        except TemplateNotFound:
            continue
    return env.get_template(f"{FALLBACK_LOCALE}/generic.{extension}")


def _subject(content: Content) -> str:
    number = content.ticket.number if content.ticket else None
    title = " ".join(content.title.split())  # no header injection by a newline in a subject
    return f"[#{number}] {title}" if number is not None else title


def _render(content: Content, audience: str, recipient_name: str | None, locale: str | None) -> RenderedEmail:
    context = {
        "audience": audience,
        "name": recipient_name,
        "title": content.title,
        "body": content.body_text,
        "ticket": content.ticket,
        "link": content.link,
        "facts": content.facts,
    }
    try:
        text = _template(content.kind, "txt", locale).render(context)
        html = _template(content.kind, "html", locale).render(context)
    except UndefinedError:  # a kind's template needs a ticket this notification lacks
        env = _environment()
        text = env.get_template(f"{FALLBACK_LOCALE}/generic.txt").render(context)
        html = env.get_template(f"{FALLBACK_LOCALE}/generic.html").render(context)
    return RenderedEmail(subject=_subject(content), text=text, html=html)


def render_customer_email(content: CustomerContent, recipient_name: str | None, locale: str | None) -> RenderedEmail:
    """A customer's email: only public content can be passed in."""
    if not isinstance(content, CustomerContent):
        raise TypeError("customer email is rendered from CustomerContent only")
    return _render(content, "customer", recipient_name, locale)


def render_staff_email(content: StaffContent, recipient_name: str | None, locale: str | None) -> RenderedEmail:
    """An agent's or manager's email."""
    if not isinstance(content, StaffContent):
        raise TypeError("staff email is rendered from StaffContent only")
    return _render(content, "staff", recipient_name, locale)


def message_id(notification_id: object, mail_from: str) -> str:
    """The Message-ID of a notification's email: the same on every retry, so a resend is recognisable."""
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2] or "helpdesk.local"
    return f"<{notification_id}@{domain}>"


def thread_id(ticket_id: object, mail_from: str) -> str:
    """A per-ticket reference so mail clients thread a ticket's emails together."""
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2] or "helpdesk.local"
    return f"<ticket-{ticket_id}@{domain}>"
