from typing import ClassVar

from pydantic import Field

from helpdesk_servicekit.settings import ServiceSettings


class TicketsSettings(ServiceSettings):
    service_name: ClassVar[str] = "tickets"
    default_port: ClassVar[int] = 8101

    subject_max_length: ClassVar[int] = 250
    message_max_length: ClassVar[int] = 20_000
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
