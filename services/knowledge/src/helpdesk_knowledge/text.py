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


# In the OpenAPI document too, so clients (and fuzzers) know NUL is refused.
NO_NUL = r"^[^\x00]*$"
LOCALE = r"^\s*[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*\s*$"


def _bounded(min_length: int, max_length: int, pattern: str = NO_NUL, strip: bool = True) -> StringConstraints:
    return StringConstraints(strip_whitespace=strip, min_length=min_length, max_length=max_length, pattern=pattern)


Title = Annotated[str, _bounded(1, 200), AfterValidator(clean_text)]
Name = Annotated[str, _bounded(1, 120), AfterValidator(clean_text)]
LongText = Annotated[str, _bounded(0, 2_000, strip=False), AfterValidator(clean_text)]
Markdown = Annotated[str, _bounded(0, 200_000, strip=False), AfterValidator(clean_text)]
Tag = Annotated[str, _bounded(1, 64), AfterValidator(clean_text)]
Locale = Annotated[str, _bounded(2, 35, LOCALE), AfterValidator(clean_text)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
SearchText = Annotated[str, _bounded(1, 500, strip=False), AfterValidator(clean_text)]
TicketText = Annotated[str, _bounded(1, 5_000, strip=False), AfterValidator(clean_text)]
