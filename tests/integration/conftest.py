"""Cross-service flows: every service in-process, each on its own database, all on one real broker, a real SMTP
server for notify, and the whole event topology declared first, as `make up` does."""

from __future__ import annotations

import contextlib
import importlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest

from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.settings import ServiceSettings
from helpdesk_servicekit.testing.plugin import running, service_settings
from helpdesk_servicekit.testing.tap import EventTap
from helpdesk_servicekit.topology import declare_all

SERVICES = ("tickets", "sla", "routing", "knowledge", "feedback", "notify")


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"helpdesk_{service}.settings")
    return next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings) and value.service_name == service
    )


@dataclass
class Mailbox:
    """What the test SMTP server received."""

    messages: list[Message] = field(default_factory=list)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in (m.get("To") or "")]


class _Collect:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mailbox.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Any:
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(_Collect(mailbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", mailbox
    finally:
        controller.stop()


@dataclass
class Platform:
    tickets: Any = None
    sla: Any = None
    routing: Any = None
    knowledge: Any = None
    feedback: Any = None
    notify: Any = None
    mailbox: Mailbox = field(default_factory=Mailbox)
    tap: EventTap | None = None


@contextlib.asynccontextmanager
async def platform_of(
    services: tuple[str, ...],
    database_factory: Callable[[str], Awaitable[str]],
    amqp_url: str,
    namespace: str,
) -> AsyncIterator[Platform]:
    """Start `services` (in-process apps) after declaring the whole topology, as `make up` does."""
    publisher = AmqpPublisher(amqp_url, Topology(namespace, 4))
    await declare_all(publisher)
    await publisher.close()
    with smtp_server() as (smtp_url, mailbox):
        apps = {}
        for service in services:
            extra: dict[str, Any] = {"smtp_url": smtp_url} if service == "notify" else {}
            settings = service_settings(
                settings_class(service),
                database_url=await database_factory(f"flow_{service}"),
                amqp_url=amqp_url,
                namespace=namespace,
                **extra,
            )
            apps[service] = importlib.import_module(f"helpdesk_{service}.main").build(settings)
        async with contextlib.AsyncExitStack() as stack:
            tap = await stack.enter_async_context(EventTap(amqp_url, namespace, "#"))
            clients = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
            yield Platform(**clients, mailbox=mailbox, tap=tap)


@pytest.fixture
async def platform(
    database_factory: Callable[[str], Awaitable[str]], amqp_url: str, amqp_namespace: str
) -> AsyncIterator[Platform]:
    """tickets and sla only (the SLA flows need nothing else)."""
    async with platform_of(("tickets", "sla"), database_factory, amqp_url, amqp_namespace) as started:
        yield started


@pytest.fixture
async def system(
    database_factory: Callable[[str], Awaitable[str]], amqp_url: str, amqp_namespace: str
) -> AsyncIterator[Platform]:
    """All six services."""
    async with platform_of(SERVICES, database_factory, amqp_url, amqp_namespace) as started:
        yield started
