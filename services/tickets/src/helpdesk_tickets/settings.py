from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from helpdesk_servicekit.settings import ServiceSettings

DENIED_EXTENSIONS = [
    "exe", "com", "scr", "pif", "bat", "cmd", "msi", "msp", "dll", "cpl", "sys", "vbs", "vbe", "js", "jse",
    "wsf", "wsh", "ps1", "psm1", "sh", "bash", "zsh", "csh", "run", "bin", "app", "dmg", "pkg", "deb", "rpm",
    "apk", "jar", "lnk", "reg", "hta", "scf", "elf", "so", "dylib",
]  # fmt: skip
DENIED_TYPES = [
    "application/x-msdownload",
    "application/x-executable",
    "application/x-mach-binary",
    "application/x-sh",
    "text/x-shellscript",
    "application/x-deb",
    "application/x-rpm",
    "application/vnd.microsoft.portable-executable",
]


class AttachmentBackend(StrEnum):
    POSTGRES = "postgres"
    S3 = "s3"


class TicketsSettings(ServiceSettings):
    service_name: ClassVar[str] = "tickets"
    default_port: ClassVar[int] = 8101

    subject_max_length: ClassVar[int] = 250
    message_max_length: ClassVar[int] = 20_000

    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    attachment_chunk_bytes: int = Field(default=512 * 1024, ge=1024)
    attachment_denied_extensions: list[str] = Field(default_factory=lambda: list(DENIED_EXTENSIONS))
    attachment_denied_types: list[str] = Field(default_factory=lambda: list(DENIED_TYPES))
    attachment_backend: AttachmentBackend = AttachmentBackend.POSTGRES
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None

    # Defaults of the per-merchant settings (GET/PUT /v1/tickets/settings overrides them per merchant).
    auto_close_seconds: int = Field(default=72 * 3600, ge=1)
    reopen_window_seconds: int = Field(default=14 * 24 * 3600, ge=0)
    compensation_approval_threshold: Decimal | None = Field(default=Decimal("50"), ge=0)

    @model_validator(mode="after")
    def _s3_is_configured_when_chosen(self) -> Self:
        if self.attachment_backend is AttachmentBackend.S3:
            missing = [
                f"HELPDESK_{name.upper()}"
                for name in ("s3_endpoint_url", "s3_bucket", "s3_access_key_id", "s3_secret_access_key")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"attachment_backend=s3 needs {', '.join(missing)}")
        return self
