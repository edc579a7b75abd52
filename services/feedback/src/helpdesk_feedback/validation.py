"""Request field types shared by the features: PostgreSQL refuses NUL in text, so it is a 422 here, never a 500."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

NO_NUL = r"^[^\x00]*$"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_no_nul)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000), AfterValidator(_no_nul)]
Question = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), AfterValidator(_no_nul)
]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5_000), AfterValidator(_no_nul)]
