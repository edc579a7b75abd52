"""What every service's tests use: role headers, a fresh merchant, polling, a free port, an SMTP catcher."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

from helpdesk_servicekit.testing.plugin import bearer


def manager(merchant: str, sub: str = "mgr-1", **claims: Any) -> dict[str, str]:
    return bearer(sub, merchant, "manager", **claims)


def agent(merchant: str, sub: str = "agent-1", **claims: Any) -> dict[str, str]:
    return bearer(sub, merchant, "agent", **claims)


def customer(merchant: str, sub: str = "cust-1", **claims: Any) -> dict[str, str]:
    return bearer(sub, merchant, "customer", **claims)


def a_merchant() -> str:
    """A merchant id of this test's own: tests sharing one running service keep apart by merchant."""
    return f"m-{uuid.uuid4().hex[:10]}"


async def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll until `check()` (sync or async) returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: last saw {result!r}")
        await asyncio.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts (a real SMTP server for notify's tests)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if address in (m.get("To") or "")]


@contextlib.contextmanager
def smtp_server(mailbox: Mailbox | None = None, port: int | None = None) -> Iterator[tuple[str, Mailbox]]:
    """A real SMTP server on 127.0.0.1; yields its URL and the mailbox it fills."""
    from aiosmtpd.controller import Controller

    mailbox = mailbox or Mailbox()
    port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", mailbox
    finally:
        controller.stop()
