"""uvicorn's HTTP/1.1 protocol with the two bounds it lacks: the time and the bytes a client may take to send a
request's headers.

uvicorn arms no timer until a request is complete (`timeout_keep_alive` runs only between requests), and its
httptools parser takes headers of any size: a client that trickles its headers, or connects and sends nothing,
holds a connection for ever, and one header line may be megabytes. Here a request's headers must arrive within
`header_timeout_seconds` of the connection (or of the next request's first byte) and within `max_header_bytes`;
otherwise the client gets 408 / 431 and the connection is closed. `uvicorn.run(app, http=BoundedHttpProtocol)`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from helpdesk_servicekit.errors import PROBLEM_JSON, TYPE_BASE


def _problem(status: int, reason: str, slug: str, detail: str) -> bytes:
    """A whole HTTP response carrying a problem+json body, written straight to the socket."""
    body = json.dumps(
        {"type": TYPE_BASE + slug, "title": reason, "status": status, "detail": detail}, separators=(",", ":")
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


REQUEST_TIMEOUT = _problem(408, "Request Timeout", "request-timeout", "the request's headers took too long")
HEADERS_TOO_LARGE = _problem(
    431, "Request Header Fields Too Large", "headers-too-large", "the request's headers are too large"
)


class BoundedHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that closes a connection whose request headers come too slowly or are too large."""

    header_timeout_seconds = 10.0
    max_header_bytes = 64 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._awaiting_headers = True
        self._header_bytes = 0
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        awaiting = self._awaiting_headers
        if awaiting:
            self._arm()
        super().data_received(data)
        if awaiting and self._awaiting_headers and not self.transport.is_closing():
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse(HEADERS_TOO_LARGE)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._header_bytes = 0
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._awaiting_headers = True  # the next bytes are the next request's; its deadline starts with them

    def _arm(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout_seconds, self._refuse, REQUEST_TIMEOUT)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _refuse(self, response: bytes) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()
