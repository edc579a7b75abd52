from typing import ClassVar

from pydantic import Field

from helpdesk_servicekit.settings import ServiceSettings

# The timer engine naps at most this long between due checks; use cases wake it for timers due sooner.
MAX_TIMER_NAP_SECONDS = 300.0


class SlaSettings(ServiceSettings):
    service_name: ClassVar[str] = "sla"
    default_port: ClassVar[int] = 8102

    timer_batch_size: int = Field(default=500, ge=1, le=10_000, description="tickets a timer wake handles at most")
    timer_max_sleep_seconds: float = Field(
        default=5.0, gt=0, le=MAX_TIMER_NAP_SECONDS, description="longest nap between due checks"
    )
    timer_lanes: int = Field(default=1, ge=1, le=16, description="timer rounds in flight per process")
