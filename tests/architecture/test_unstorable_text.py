"""Text PostgreSQL refuses (NUL) is a 4xx at every service's door, by one servicekit rule, before any route runs."""

from __future__ import annotations

import importlib
import re
import uuid

import httpx
import pytest

from helpdesk_servicekit.settings import ServiceSettings
from helpdesk_servicekit.testing.plugin import service_settings

SERVICES = ("tickets", "sla", "routing", "knowledge", "feedback", "notify")


def _app(service: str):  # type: ignore[no-untyped-def]
    module = importlib.import_module(f"helpdesk_{service}.settings")
    cls = next(
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, ServiceSettings) and v.service_name == service
    )
    # Never connected: the rule answers before any route, dependency or database is reached.
    settings = service_settings(
        cls, database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", amqp_url="amqp://127.0.0.1:1/", namespace="n."
    )
    return importlib.import_module(f"helpdesk_{service}.main").build(settings)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


@pytest.mark.parametrize("service", SERVICES)
async def test_every_write_route_refuses_nul_in_json_and_every_route_in_the_query(service):
    app = _app(service)
    routes = {path: {m.upper() for m in item} for path, item in app.openapi()["paths"].items()}
    assert routes, f"{service} has no routes"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for template, methods in routes.items():
            path = _concrete(template)
            for method in methods & {"POST", "PUT", "PATCH"}:
                response = await client.request(method, path, json={"subject": "a\u0000b", "note": ["\u0000"]})
                assert response.status_code == 422, (service, method, template, response.status_code)
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["errors"][0]["field"].startswith("body.")
            if "GET" in methods:
                response = await client.get(path, params={"q": "a\u0000b"})
                assert response.status_code == 400, (service, template, response.status_code)
