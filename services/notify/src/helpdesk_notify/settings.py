from typing import ClassVar

from pydantic import Field

from helpdesk_servicekit.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service_name: ClassVar[str] = "notify"
    default_port: ClassVar[int] = 8106

    # smtp://[user:pass@]host:port (smtps:// for implicit TLS, ?starttls=true to upgrade); unset: email stays queued.
    smtp_url: str | None = None
    mail_from: str = Field(default="Helpdesk <helpdesk@localhost>", description="From header of every email")
    public_base_url: str = Field(default="http://localhost:8080", description="where links in emails point")
    email_batch_size: int = Field(default=50, ge=1, le=1_000)
    email_retry_base_seconds: float = Field(default=5.0, gt=0, le=3_600)
    email_retry_max_seconds: float = Field(default=900.0, gt=0, le=86_400)
    email_max_attempts: int = Field(default=12, ge=1, le=100)
    email_poll_seconds: float = Field(default=5.0, gt=0, le=300)
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # App-level keepalive on /v1/ws, on top of uvicorn's protocol pings (every 20 s, dropping a socket after 20 s
    # without a pong): it works behind any ASGI server or proxy; each costs a frame both ways, so it is sparse.
    ws_ping_seconds: float = Field(default=60.0, gt=0, le=3_600, description="server ping interval on /v1/ws")
    ws_pong_timeout_seconds: float = Field(default=150.0, gt=0, le=3_600, description="drop a socket silent this long")
    ws_send_queue: int = Field(default=256, ge=1, le=100_000, description="frames a slow socket may lag behind")
    # Full garbage collections on this schedule instead of CPython's (see live/collector.py); 0 = CPython's policy.
    gc_full_collection_seconds: float = Field(default=300.0, ge=0, le=86_400)
