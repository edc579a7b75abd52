"""Text types for request schemas and query parameters: PostgreSQL refuses NUL and lone surrogates, so both
are a 422 here, never a 500 later."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _bounded(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Title = Annotated[str, _bounded(1, 200), AfterValidator(clean_text)]
Name = Annotated[str, _bounded(1, 120), AfterValidator(clean_text)]
LongText = Annotated[str, StringConstraints(max_length=2_000), AfterValidator(clean_text)]
Markdown = Annotated[str, StringConstraints(max_length=200_000), AfterValidator(clean_text)]
Tag = Annotated[str, _bounded(1, 64), AfterValidator(clean_text)]
Locale = Annotated[str, _bounded(2, 35), AfterValidator(clean_text)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
SearchText = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(clean_text)]
TicketText = Annotated[str, StringConstraints(min_length=1, max_length=5_000), AfterValidator(clean_text)]
