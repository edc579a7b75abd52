"""String types for request bodies: PostgreSQL refuses NUL in text, so it is a 422 here, never a 500."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from helpdesk_contracts import normalize_tags

NO_NUL = r"^[^\x00]*$"

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
UserId = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^\x00\s@]+@[^\x00\s@]+$")]
Locale = Annotated[str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$")]


def first_of_cursor(cursor: str | None) -> str | None:
    """The single key of a one-value cursor (422 when it is not one)."""
    from helpdesk_servicekit.errors import Unprocessable
    from helpdesk_servicekit.pagination import decode_cursor

    if not cursor:
        return None
    values = decode_cursor(cursor)
    if len(values) != 1 or not isinstance(values[0], str):
        raise Unprocessable("cursor is not valid", errors=[{"field": "query.cursor", "message": "invalid cursor"}])
    return values[0]


def _tag(value: str) -> str:
    normalized = normalize_tags([value])
    if not normalized:
        raise ValueError("must contain a visible character")
    return normalized[0]


Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL), AfterValidator(_tag)]
