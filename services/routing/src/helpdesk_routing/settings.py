from typing import ClassVar

from pydantic import Field

from helpdesk_servicekit.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    service_name: ClassVar[str] = "routing"
    default_port: ClassVar[int] = 8103

    reconcile_interval_seconds: float = Field(
        default=300.0, gt=0, le=86_400, description="how often agent loads are recomputed from the ticket projection"
    )
