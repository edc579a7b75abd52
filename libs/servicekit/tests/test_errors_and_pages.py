import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from helpdesk_servicekit.errors import Unprocessable, install_problem_handlers
from helpdesk_servicekit.pagination import decode_cursor, encode_cursor


def failing_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return app


async def test_an_unhandled_error_is_a_500_problem_without_a_stack_trace():
    transport = ASGITransport(app=failing_app(), raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/internal-error") and "trace_id" in body
    assert "hunter2" not in response.text and "Traceback" not in response.text


async def test_an_unknown_route_is_a_404_problem():
    async with AsyncClient(transport=ASGITransport(app=failing_app()), base_url="http://t") as client:
        response = await client.get("/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_cursor_round_trips():
    assert decode_cursor(encode_cursor("2026-01-01T00:00:00+00:00", "abc")) == ["2026-01-01T00:00:00+00:00", "abc"]


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", encode_cursor("x")[:-2] + "!!"])
def test_a_tampered_cursor_is_a_422(cursor):
    with pytest.raises(Unprocessable):
        decode_cursor(cursor)
