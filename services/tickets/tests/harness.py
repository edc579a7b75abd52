"""Running the service in-process for a test, and shutting it down cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from helpdesk_servicekit.testing.plugin import running


async def _consumers_settled(app: Any, timeout: float = 30.0) -> None:
    """Wait for the consumers to have started before shutting the app down.

    servicekit's lifespan stops the consumer broker only if it has started by then; one still connecting
    at shutdown would start afterwards and keep consuming the run's queues into a dead test database.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.state.runtime.broker_started:
            return
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[Any]:
    """`running(app)` whose client knows its app, and which never leaves consumers behind."""
    async with running(app) as http:
        http.app = app
        try:
            yield http
        finally:
            await _consumers_settled(app)
