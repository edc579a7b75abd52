from typing import ClassVar

from helpdesk_servicekit.settings import ServiceSettings


class KnowledgeSettings(ServiceSettings):
    service_name: ClassVar[str] = "knowledge"
    default_port: ClassVar[int] = 8104
