"""Stored HTML is safe whatever Markdown an author writes."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from helpdesk_knowledge.domain.rendering import ALLOWED_TAGS, render, sanitize, snippet_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "[x](https://ok.example \"title\" onmouseover=alert(1))",
    "<<script>script>alert(1)<</script>/script>",
    "<details open ontoggle=alert(1)>",
    "[a]: javascript:alert(1)\n\n[link][a]",
    "<javascript:alert(1)>",
    "<body onload=alert(1)>",
    '```html\n<script>alert(1)</script>\n```',
]

SAFE_SCHEMES = {"http", "https", "mailto"}


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML (text that looks like a tag is not one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def url_is_safe(url: str) -> bool:
    scheme = urlsplit(url.strip()).scheme.lower()
    return scheme in SAFE_SCHEMES or (scheme == "" and ":" not in url.split("/", 1)[0])


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_renders_to_html_without_scripts_handlers_or_unsafe_urls(markdown):
    for tag, attrs in elements(render(markdown).html):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "style"
            if name in ("href", "src"):
                assert url_is_safe(value or ""), (tag, name, value)


def test_the_hostile_inputs_do_produce_markup_to_check():
    tags = {tag for markdown in HOSTILE for tag, _ in elements(render(markdown).html)}
    assert {"p", "pre", "code"} <= tags


RAW_HOSTILE_HTML = [
    '<a href="javascript:alert(1)" onclick="alert(2)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    '<img src="data:image/png;base64,AAAA" onerror="alert(1)">',
    '<p onmouseover="alert(1)" style="color:red">x</p>',
    "<script>alert(1)</script><iframe src=https://evil.example></iframe>",
    '<a href="vbscript:x">x</a><a href="file:///etc/passwd">y</a>',
]


@pytest.mark.parametrize("raw", RAW_HOSTILE_HTML)
def test_the_sanitizer_alone_removes_what_the_renderer_might_let_through(raw):
    for tag, attrs in elements(sanitize(raw)):
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert not name.startswith("on") and name != "style"
            if name in ("href", "src"):
                assert url_is_safe(value or ""), value


def test_ordinary_markdown_keeps_its_formatting_and_safe_links():
    html = render(
        "# Returns\n\nSee **our** [policy](https://shop.example/returns) or [mail us](mailto:help@shop.example)"
        " or the [FAQ](/help/faq).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```"
    ).html
    assert "<h1>Returns</h1>" in html
    assert "<strong>our</strong>" in html
    assert 'href="https://shop.example/returns"' in html
    assert 'href="mailto:help@shop.example"' in html
    assert 'href="/help/faq"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<table>" in html and "<pre><code>" in html


def test_the_plain_text_keeps_words_and_drops_markup():
    rendered = render("# Title\n\nSome *emphasis* and a [link](https://x.example).")
    assert rendered.text.split() == ["Title", "Some", "emphasis", "and", "a", "link."]


def test_raw_html_in_the_body_is_shown_as_text_not_markup():
    rendered = render("Type <b>bold</b> like this")
    assert "&lt;b&gt;bold&lt;/b&gt;" in rendered.html
    assert rendered.text == "Type <b>bold</b> like this"


def test_snippets_escape_text_and_mark_only_the_matches():
    assert snippet_html("a <script> \x02refund\x03 & more") == "a &lt;script&gt; <mark>refund</mark> &amp; more"


def test_highlight_markers_in_an_article_cannot_reach_the_snippet():
    assert "\x02" not in render("evil \x02marker\x03").text
