"""Markdown to sanitized HTML (and the plain text search indexes). Pure: no I/O.

markdown-it renders with raw HTML disabled; nh3 (ammonia) then keeps an allow-list of tags and attributes,
drops every event-handler attribute, and keeps only http, https and mailto URLs (relative links stay).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# The markers ts_headline wraps matches in; removed from stored text so only the database can produce them.
HIGHLIGHT_START, HIGHLIGHT_STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


def sanitize(unsafe_html: str) -> str:
    """Keep only the allow-listed markup; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        unsafe_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render(markdown: str) -> Rendered:
    """The article body as stored: sanitized HTML for display, plain text for search and snippets."""
    safe = sanitize(_markdown.render(markdown))
    text = html.unescape(nh3.clean(safe, tags=set()))
    text = text.replace(HIGHLIGHT_START, " ").replace(HIGHLIGHT_STOP, " ")
    return Rendered(html=safe, text=re.sub(r"\n\s*\n", "\n\n", text).strip())


def snippet_html(headline: str) -> str:
    """A ts_headline over plain text, as safe HTML: everything escaped, matches in <mark>."""
    escaped = html.escape(headline, quote=False)
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")
