import os
import subprocess
import sys

import pytest

from helpdesk_servicekit.settings import ServiceSettings, SettingsError, load_settings

SECRET = "a-dev-secret-that-is-long-enough-0123456789"


class ProbeSettings(ServiceSettings):
    service_name = "probe"
    default_port = 8199


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("HELPDESK_"):
            monkeypatch.delenv(key)


def test_dev_settings_refuse_to_start_without_a_jwt_secret(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "dev")
    with pytest.raises(SettingsError) as caught:
        load_settings(ProbeSettings)
    assert "HELPDESK_JWT_SECRET" in caught.value.line
    assert "\n" not in caught.value.line


def test_prod_settings_refuse_to_start_without_key_material(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "prod")
    monkeypatch.setenv("HELPDESK_AMQP_URL", "amqp://svc:pw@rabbit:5672/")
    with pytest.raises(SettingsError) as caught:
        load_settings(ProbeSettings)
    assert "HELPDESK_JWT_PUBLIC_KEY or HELPDESK_JWT_JWKS_URL" in caught.value.line


def test_prod_settings_refuse_the_dev_hs256_secret(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "prod")
    monkeypatch.setenv("HELPDESK_JWT_SECRET", SECRET)
    with pytest.raises(SettingsError) as caught:
        load_settings(ProbeSettings)
    assert "dev only" in caught.value.line


def test_prod_settings_refuse_the_dev_broker_credentials(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "prod")
    monkeypatch.setenv("HELPDESK_JWT_JWKS_URL", "https://login.example/jwks.json")
    monkeypatch.setenv("HELPDESK_JWT_ISSUER", "https://login.example/")
    monkeypatch.setenv("HELPDESK_JWT_AUDIENCE", "helpdesk")
    with pytest.raises(SettingsError) as caught:
        load_settings(ProbeSettings)
    assert "guest:guest" in caught.value.line


@pytest.mark.parametrize(
    "url",
    [
        "amqp://rabbit/",
        "amqp://rabbit:5672/helpdesk",
        "amqps://guest:a-long-real-password@rabbit:5671/",
        "amqp://guest@rabbit/",
        "amqp://:pw@rabbit/",
        "amqp://%67uest:pw@rabbit/",
    ],
    ids=["no-credentials", "no-credentials-vhost", "guest-other-password", "guest-no-password", "empty-user", "quoted"],
)
def test_prod_settings_refuse_any_amqp_url_that_logs_in_as_guest(monkeypatch, url):
    monkeypatch.setenv("HELPDESK_ENV", "prod")
    monkeypatch.setenv("HELPDESK_AMQP_URL", url)
    monkeypatch.setenv("HELPDESK_JWT_JWKS_URL", "https://login.example/jwks.json")
    monkeypatch.setenv("HELPDESK_JWT_ISSUER", "https://login.example/")
    monkeypatch.setenv("HELPDESK_JWT_AUDIENCE", "helpdesk")
    with pytest.raises(SettingsError) as caught:
        load_settings(ProbeSettings)
    assert "guest account" in caught.value.line and "HELPDESK_AMQP_URL" in caught.value.line
    assert "\n" not in caught.value.line


def test_prod_settings_with_a_jwks_url_issuer_and_audience_start(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "prod")
    monkeypatch.setenv("HELPDESK_AMQP_URL", "amqp://svc:pw@rabbit:5672/")
    monkeypatch.setenv("HELPDESK_JWT_JWKS_URL", "https://login.example/jwks.json")
    monkeypatch.setenv("HELPDESK_JWT_ISSUER", "https://login.example/")
    monkeypatch.setenv("HELPDESK_JWT_AUDIENCE", "helpdesk")
    settings = load_settings(ProbeSettings)
    assert settings.jwt_jwks_url


def test_a_short_dev_secret_is_refused(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "dev")
    monkeypatch.setenv("HELPDESK_JWT_SECRET", "short")
    with pytest.raises(SettingsError) as caught:
        load_settings(ProbeSettings)
    assert "at least 32" in caught.value.line


def test_a_malformed_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "dev")
    monkeypatch.setenv("HELPDESK_JWT_SECRET", SECRET)
    monkeypatch.setenv("HELPDESK_AMQP_PREFETCH", "lots")
    with pytest.raises(SettingsError) as caught:
        load_settings(ProbeSettings)
    assert "HELPDESK_AMQP_PREFETCH" in caught.value.line


def test_the_service_database_and_port_come_from_service_scoped_variables(monkeypatch):
    monkeypatch.setenv("HELPDESK_ENV", "dev")
    monkeypatch.setenv("HELPDESK_JWT_SECRET", SECRET)
    monkeypatch.setenv("HELPDESK_DATABASE_URL", "postgresql://pg.local:5432/")
    assert load_settings(ProbeSettings).service_dsn == "postgresql+asyncpg://pg.local:5432/helpdesk_probe"
    assert load_settings(ProbeSettings).http_port == 8199
    monkeypatch.setenv("HELPDESK_PROBE_DATABASE_URL", "postgresql://other:5432/probe_db")
    monkeypatch.setenv("HELPDESK_PROBE_PORT", "9000")
    assert load_settings(ProbeSettings).service_dsn == "postgresql+asyncpg://other:5432/probe_db"
    assert load_settings(ProbeSettings).http_port == 9000


def test_a_misconfigured_service_exits_at_start_with_one_clear_line():
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")} | {"HELPDESK_ENV": "dev"}
    result = subprocess.run(
        [sys.executable, "-c", "from helpdesk_tickets.main import run; run()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tickets: invalid configuration:") and "HELPDESK_JWT_SECRET" in lines[0]
