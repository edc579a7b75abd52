"""HTTP schemas of the compliance report."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class MetricCompliance(BaseModel):
    """Clocks of one metric started in the window. Met % counts decided clocks only: met within target against
    met within target plus missed (breached, or met late); open and stopped clocks are not decided yet or never."""

    clocks: int = 0
    met_within_target: int = 0
    missed: int = 0
    breached: int = 0
    open: int = 0
    stopped: int = 0
    met_percent: float | None = None
    median_seconds: float | None = Field(default=None, description="business seconds to meet, median of met clocks")
    p90_seconds: float | None = Field(default=None, description="business seconds to meet, 90th percentile")


class PriorityCompliance(BaseModel):
    priority: str
    first_response: MetricCompliance = Field(default_factory=MetricCompliance)
    next_response: MetricCompliance = Field(default_factory=MetricCompliance)
    resolution: MetricCompliance = Field(default_factory=MetricCompliance)


class ComplianceReport(BaseModel):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    priorities: list[PriorityCompliance]

    model_config = {"populate_by_name": True}
