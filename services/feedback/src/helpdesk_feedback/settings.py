from typing import ClassVar

from pydantic import Field

from helpdesk_servicekit.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    service_name: ClassVar[str] = "feedback"
    default_port: ClassVar[int] = 8105

    timer_max_sleep_seconds: float = Field(default=5.0, gt=0, le=300, description="longest nap between due checks")
    results_max_days: int = Field(default=366, ge=1, le=3660, description="longest period one results query covers")
    voter_ids_max: int = Field(
        default=10_000, ge=0, le=1_000_000, description="voter ids one feature_request.status_changed carries at most"
    )
