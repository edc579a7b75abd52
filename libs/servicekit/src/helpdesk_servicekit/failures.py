"""Which failures are the infrastructure's (a database or broker away, a deadlock, a serialization conflict) rather
than the code's or the input's. They are retried (consumers) or answered 503 with Retry-After (HTTP), never 500."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc

# SQLSTATE classes/codes that mean "try again": serialization failure, deadlock, the server going away, and the
# server out of connection slots (53300: max_connections reached, or a role's connection limit).
RETRYABLE_SQLSTATES = {
    "40001", "40P01", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004", "53300",
}  # fmt: skip


def _sqlstate(error: BaseException | None) -> str | None:
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return str(code) if code else None


def infrastructure_failure(error: BaseException) -> str | None:
    """A short reason when `error` is transient infrastructure trouble, else None."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return "database connection lost"
        if isinstance(current, sa_exc.TimeoutError):
            return "database connection pool exhausted"
        state = _sqlstate(current)
        if state in ("40001", "40P01"):
            return "concurrent update conflict"
        if state in RETRYABLE_SQLSTATES:
            return "database unavailable"
        # Not asyncpg's InterfaceError in general: most of those are misuse (a bug), which must dead-letter.
        if isinstance(
            current,
            asyncpg.exceptions.ConnectionDoesNotExistError
            | asyncpg.exceptions.CannotConnectNowError
            | ConnectionError
            | TimeoutError,
        ):
            return "database unavailable"
        if isinstance(current, OSError) and not isinstance(current, FileNotFoundError | PermissionError):
            return "service dependency unreachable"
        # The wrapped driver error or the explicit cause; not __context__, which a bug raised while handling a
        # connection error would carry too.
        current = getattr(current, "orig", None) or current.__cause__
    return None
