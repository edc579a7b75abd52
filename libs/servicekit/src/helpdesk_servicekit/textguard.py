"""One rule for text PostgreSQL cannot store: NUL (and, in JSON, lone surrogates) is refused at the door.

PostgreSQL refuses "\\x00" in text and UTF-8 has no encoding for a lone surrogate, so either reaching a query
is a 500. Rather than a validator on every field of every service, this pure ASGI middleware refuses them
before routing: in the path or a query parameter (percent-decoded) as a 400, in a JSON body as a 422 naming
the field (`body.<path>`). Bodies (all but multipart uploads, which have their own cap) are capped (413 beyond)
and replayed to the app byte for byte. A body
with neither a `\\u` escape nor a NUL byte is not parsed, so the common request pays two substring scans.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse

from helpdesk_servicekit.errors import PROBLEM_JSON, PayloadTooLarge, Problem, Unprocessable

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_JSON_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json\s*(?:;|$)", re.IGNORECASE)


class BadText(Problem):
    """A path or query parameter that cannot be stored (400, `bad-request`)."""


class TextGuard:
    """Refuses NUL in the path and query (400) and NUL or lone surrogates in JSON strings (422); caps bodies."""

    def __init__(self, app: Any, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _refused_path_or_query(scope)
        if problem is not None:
            await _reply(problem, scope, receive, send)
            return
        if _is_multipart(scope):  # uploads stream to storage under their own cap
            await self.app(scope, receive, send)
            return
        # Every other body is capped whatever it claims to be: FastAPI reads a body whole before it can answer
        # that its type is wrong.
        body, problem = await self._read_body(scope, receive)
        if problem is None and body and (b"\\u" in body or b"\x00" in body) and _is_json(scope):
            problem = _refused_json(body)
        if problem is not None:
            await _reply(problem, scope, receive, send)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # type: ignore[no-any-return]

        await self.app(scope, replay, send)

    async def _read_body(self, scope: dict[str, Any], receive: Any) -> tuple[bytes, Problem | None]:
        too_large = PayloadTooLarge(f"request bodies are limited to {self.max_body_bytes} bytes")
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return b"", too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"", too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks), None


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _is_multipart(scope: dict[str, Any]) -> bool:
    content_type = _header(scope, b"content-type")
    return content_type is not None and content_type.strip().lower().startswith("multipart/form-data")


def _is_json(scope: dict[str, Any]) -> bool:
    content_type = _header(scope, b"content-type")
    return content_type is not None and _JSON_TYPE.match(content_type.strip()) is not None


def _refused_path_or_query(scope: dict[str, Any]) -> Problem | None:
    if "\x00" in scope.get("path", ""):
        message = "the path contains a NUL character, which cannot be stored"
        return BadText(message, errors=[{"field": "path", "message": message, "code": "text_not_storable"}])
    query: bytes = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"):
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\u0000")
            message = f"the query parameter {shown!r} contains a NUL character, which cannot be stored"
            field = {"field": f"query.{shown}", "message": message, "code": "text_not_storable"}
            return BadText(message, errors=[field])
    return None


def _refused_json(body: bytes) -> Problem | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON after all: the app's own parsing answers (422 or 400)
    where = _unstorable_path(document)
    if where is None:
        return None
    field = ".".join(["body", *where])
    message = "contains a NUL character or an unpaired surrogate, which cannot be stored"
    return Unprocessable(
        f"{field} {message}", errors=[{"field": field, "message": message, "code": "text_not_storable"}]
    )


def _unstorable_path(document: Any) -> list[str] | None:
    """The path of the first string (key or value) PostgreSQL cannot store, walked without recursion."""
    stack: list[tuple[list[str], Any]] = [([], document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return path
        elif isinstance(value, dict):
            for key in value:
                if _UNSTORABLE.search(key):
                    return [*path, _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", key)]
            stack.extend(([*path, key], item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(([*path, str(index)], item) for index, item in reversed(list(enumerate(value))))
    return None


async def _reply(problem: Problem, scope: dict[str, Any], receive: Any, send: Any) -> None:
    instance = scope.get("path", "").replace("\x00", "\\u0000") or None
    response = JSONResponse(problem.body(instance), status_code=problem.status, media_type=PROBLEM_JSON)
    await response(scope, receive, send)
