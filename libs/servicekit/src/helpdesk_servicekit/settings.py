"""Environment-driven settings shared by every service (docs/architecture.md §8)."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import ClassVar, Self, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_MARKERS = ("dev", "change-me", "changeme", "secret")


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class Role(StrEnum):
    API = "api"
    WORKER = "worker"
    ALL = "all"


class ServiceSettings(BaseSettings):
    """Settings every service reads; subclasses set `service_name` and add their own fields."""

    model_config = SettingsConfigDict(env_prefix="HELPDESK_", extra="ignore")

    service_name: ClassVar[str] = "service"
    default_port: ClassVar[int] = 8100

    env: Environment = Environment.PROD
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/"
    service_database_url: str | None = Field(default=None, description="HELPDESK_<SERVICE>_DATABASE_URL")
    port: int = Field(default=0, ge=0, le=65535, description="HELPDESK_<SERVICE>_PORT")
    host: str = "0.0.0.0"
    role: Role = Role.ALL

    # Prefix for every exchange and queue name, so test runs on a shared broker never collide.
    amqp_namespace: str = ""
    amqp_prefetch: int = Field(default=32, ge=1, le=10_000)
    amqp_delivery_limit: int = Field(default=8, ge=1, le=1_000)
    # Declare every service's queues (helpdesk_contracts.topology) before publishing, so nothing is unrouted.
    amqp_declare_topology: bool = True

    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithms: list[str] = ["RS256", "ES256"]
    # JWKS: refetched in the background this often, and for an unknown kid at most once per cooldown.
    jwt_jwks_refresh_seconds: float = Field(default=300.0, gt=0)
    jwt_jwks_cooldown_seconds: float = Field(default=30.0, ge=0)
    jwt_jwks_timeout_seconds: float = Field(default=5.0, gt=0)
    # JSON request bodies above this are 413 (textguard.TextGuard reads them whole to check their strings).
    json_body_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    # processed_events and idempotency_keys older than this are purged (retention.purge_loop), once a day.
    retention_seconds: float = Field(default=7 * 24 * 3600.0, gt=0)
    retention_purge_interval_seconds: float = Field(default=24 * 3600.0, gt=0)

    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1, le=10_000)
    db_pool_size: int = Field(default=10, ge=1)
    # HTTP server spans cost ~10% of a create request; on by default only when an exporter is configured.
    tracing: bool = Field(default_factory=lambda: bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")))
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _key_material_fits_environment(self) -> Self:
        if self.env is Environment.PROD:
            if self.jwt_secret:
                raise ValueError("HELPDESK_JWT_SECRET (HS256) is for dev only; prod needs a public key or JWKS")
            if not (self.jwt_public_key or self.jwt_jwks_url):
                raise ValueError("prod needs HELPDESK_JWT_PUBLIC_KEY or HELPDESK_JWT_JWKS_URL")
            if not (self.jwt_issuer and self.jwt_audience):
                raise ValueError("prod needs HELPDESK_JWT_ISSUER and HELPDESK_JWT_AUDIENCE")
            if amqp_login(self.amqp_url) == "guest":
                raise ValueError(
                    "prod refuses RabbitMQ's guest account (guest:guest is used when the URL names no user);"
                    " put a dedicated user in HELPDESK_AMQP_URL"
                )
        else:
            if not self.jwt_secret and not (self.jwt_public_key or self.jwt_jwks_url):
                raise ValueError("dev needs HELPDESK_JWT_SECRET (run `make token` once to create one)")
            self.jwt_audience = self.jwt_audience or "helpdesk"
        if self.jwt_secret is not None and len(self.jwt_secret) < 32:
            raise ValueError("HELPDESK_JWT_SECRET must be at least 32 characters")
        return self

    @model_validator(mode="after")
    def _shared_url_names_a_server(self) -> Self:
        # Services sharing one database would share one migration history; each gets its own database instead.
        if self.service_database_url is None:
            from sqlalchemy.engine import make_url

            try:
                database = make_url(self.database_url).database
            except Exception as exc:
                raise ValueError(f"HELPDESK_DATABASE_URL is not a database URL: {exc}") from None
            if database:
                raise ValueError(
                    f"HELPDESK_DATABASE_URL names the database {database!r}; it must name a server (each service"
                    f" creates its own database there), or set HELPDESK_{self.service_name.upper()}_DATABASE_URL"
                )
        return self

    @property
    def database_name(self) -> str:
        return f"helpdesk_{self.service_name}"

    @property
    def service_dsn(self) -> str:
        """The asyncpg SQLAlchemy URL of this service's own database."""
        from helpdesk_servicekit.db import service_database_url

        return service_database_url(self.service_database_url or self.database_url, self.database_name)

    @property
    def listen_dsn(self) -> str:
        """The plain DSN of this service's database, for asyncpg's LISTEN/NOTIFY connections."""
        from helpdesk_servicekit.db import plain_dsn

        return plain_dsn(self.service_dsn)

    @property
    def http_port(self) -> int:
        return self.port or self.default_port


def amqp_login(url: str) -> str:
    """The user an AMQP URL logs in as: aiormq falls back to `guest` when the URL names none."""
    return unquote(urlsplit(url).username or "") or "guest"


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S], **overrides: object) -> S:
    """Read settings from the environment; on a bad or missing setting exit with one clear line."""
    prefix = f"HELPDESK_{cls.service_name.upper()}_"
    scoped = {
        "service_database_url": os.environ.get(f"{prefix}DATABASE_URL"),
        "port": os.environ.get(f"{prefix}PORT"),
    }
    try:
        return cls(**{k: v for k, v in scoped.items() if v is not None}, **overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(cls.service_name, exc) from None


class SettingsError(SystemExit):
    """A misconfiguration, rendered as one line on stderr by `exit_on_bad_settings`."""

    def __init__(self, service: str, exc: ValidationError) -> None:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            name = f"HELPDESK_{loc.upper()}" if loc else ""
            msg = err["msg"].removeprefix("Value error, ")
            parts.append(f"{name}: {msg}" if name else msg)
        self.line = f"{service}: invalid configuration: " + "; ".join(parts)
        super().__init__(2)


def exit_on_bad_settings(error: SettingsError) -> None:
    print(error.line, file=sys.stderr)
    raise SystemExit(2)
