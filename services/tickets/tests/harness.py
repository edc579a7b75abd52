"""Running the service in-process for a test, and shutting it down cleanly."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from helpdesk_servicekit.testing.plugin import running


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[Any]:
    """`running(app)`: its client knows its app, and its consumers listen before the test starts."""
    async with running(app) as http:
        yield http
