from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class ResolutionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accepted: bool
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)] | None = None
