"""A streamed multipart/form-data reader: yields the `file` part's bytes as they arrive, never spooling
the body, and stops at the size cap (413) instead of reading a huge upload to the end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from helpdesk_servicekit.errors import PayloadTooLarge, Problem
from helpdesk_tickets.problems import field_error

# Room for the multipart framing and a few small form fields around the file itself.
ENVELOPE_SLACK = 64 * 1024


class MalformedMultipart(Problem):
    """A body that is not well-formed multipart/form-data (400, `bad-request`)."""

    def __init__(self, reason: object) -> None:
        message = f"the body is not well-formed multipart/form-data: {reason}"
        super().__init__(message, errors=[{"field": "body", "message": message, "code": "multipart_malformed"}])


@dataclass
class _Events:
    """Collects parser callbacks; the reader drains them after each fed network chunk."""

    queue: list[tuple[str, Any]] = field(default_factory=list)
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: dict[bytes, bytes] = field(default_factory=dict)

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self.header_field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self.header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": lambda: self.queue.append(("part", dict(self.headers))),
            "on_part_data": lambda data, start, end: self.queue.append(("data", bytes(data[start:end]))),
            "on_part_end": lambda: self.queue.append(("end", None)),
        }

    def _begin(self) -> None:
        self.headers = {}

    def _header_end(self) -> None:
        self.headers[bytes(self.header_field).strip().lower()] = bytes(self.header_value).strip()
        self.header_field.clear()
        self.header_value.clear()


class MultipartFile:
    """The one file field (`file`) of a multipart request, read lazily from the request stream."""

    def __init__(
        self, content_type: str | None, content_length: str | None, body: AsyncIterator[bytes], max_bytes: int
    ) -> None:
        self.max_bytes = max_bytes
        self._body = body
        self.filename: str | None = None
        self.declared_type: str | None = None
        mime, params = parse_options_header(content_type or "")
        if mime != b"multipart/form-data" or not params.get(b"boundary"):
            raise field_error("header.Content-Type", "send the file as multipart/form-data with a `file` field")
        if content_length and content_length.isdigit() and int(content_length) > max_bytes + ENVELOPE_SLACK:
            raise PayloadTooLarge(f"attachments are limited to {max_bytes} bytes")
        self._events = _Events()
        try:
            self._parser = MultipartParser(params[b"boundary"], self._events.callbacks())  # type: ignore[arg-type]
        except FormParserError as exc:
            raise MalformedMultipart(exc) from None
        self._received = 0
        self._in_file = False
        self._done = False

    async def _pump(self) -> bool:
        """Feed the next network chunk to the parser; False at the end of the body."""
        try:
            chunk = await anext(self._body)
        except StopAsyncIteration:
            self._done = True
            self._feed(None)
            return False
        self._received += len(chunk)
        if self._received > self.max_bytes + ENVELOPE_SLACK:
            raise PayloadTooLarge(f"attachments are limited to {self.max_bytes} bytes")
        self._feed(chunk)
        return True

    def _feed(self, chunk: bytes | None) -> None:
        """Parse a chunk (None: the end of the body); a framing error is the client's, a 400."""
        try:
            if chunk is None:
                self._parser.finalize()
            else:
                self._parser.write(chunk)
        except FormParserError as exc:
            raise MalformedMultipart(exc) from None

    async def open(self) -> None:
        """Advance to the `file` part's headers (skipping any other fields)."""
        while True:
            while self._events.queue:
                kind, value = self._events.queue.pop(0)
                if kind == "part":
                    disposition, options = parse_options_header(value.get(b"content-disposition", b""))
                    if disposition == b"form-data" and options.get(b"name") == b"file" and b"filename" in options:
                        self.filename = options[b"filename"].decode("utf-8", "replace")
                        self.declared_type = value.get(b"content-type", b"").decode("latin-1") or None
                        self._in_file = True
                        return
            if self._done or not await self._pump():
                raise field_error("body.file", "a `file` field with a filename is required")

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes as they arrive; PayloadTooLarge as soon as they pass the cap."""
        size = 0
        while self._in_file:
            while self._events.queue:
                kind, value = self._events.queue.pop(0)
                if kind == "data":
                    size += len(value)
                    if size > self.max_bytes:
                        raise PayloadTooLarge(f"attachments are limited to {self.max_bytes} bytes")
                    yield value
                elif kind == "end":
                    self._in_file = False
                    break
            if self._in_file and not await self._pump():
                raise field_error("body.file", "the upload ended before the file did")
