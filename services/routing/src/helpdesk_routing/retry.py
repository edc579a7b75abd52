"""Retry a whole unit of work when PostgreSQL aborted it to break a deadlock or a serialization conflict.

Consumers get this from the kit (a failed handler is redelivered); HTTP use cases that lock agents and tickets
together use it so a rare lock cycle is a short wait for the caller, never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")
RETRYABLE = {"40P01", "40001"}


def retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code is None and orig is not None:
        code = getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return code in RETRYABLE


async def retrying(work: Callable[[], Awaitable[T]], attempts: int = 6) -> T:
    for attempt in range(attempts):
        try:
            return await work()
        except DBAPIError as exc:
            if attempt == attempts - 1 or not retryable(exc):
                raise
            await asyncio.sleep(0.005 * 2**attempt)
    raise AssertionError("unreachable")
