"""TextGuard in front of a tiny FastAPI app: unstorable text is a 4xx before the app runs; the rest passes untouched."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query, Request

from helpdesk_servicekit.errors import install_problem_handlers
from helpdesk_servicekit.textguard import TextGuard

PROBLEMS = "https://helpdesk.dev/problems/"


def guarded_app(max_body_bytes: int = 1024 * 1024) -> tuple[FastAPI, list[Any]]:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(TextGuard, max_body_bytes=max_body_bytes)
    seen: list[Any] = []

    @app.get("/items/{name}")
    async def find(name: str, q: str = "", tag: Annotated[list[str] | None, Query()] = None) -> dict[str, Any]:
        seen.append((name, q, tag))
        return {"name": name, "q": q, "tag": tag}

    @app.post("/items")
    async def create(request: Request) -> dict[str, Any]:
        raw = await request.body()
        seen.append(raw)
        return {"received": raw.decode("utf-8", "replace")}

    return app, seen


@pytest.fixture
async def guarded() -> Any:
    app, seen = guarded_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client, seen


def assert_problem(response: httpx.Response, status: int, slug: str, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == PROBLEMS + slug and problem["status"] == status
    assert [e["field"] for e in problem["errors"]] == [field]


@pytest.mark.parametrize(
    "url, field",
    [
        ("/items/x?q=a%00b", "query.q"),
        ("/items/x?tag=ok&tag=bad%00", "query.tag"),
        ("/items/x?q%00=1", "query.q\\u0000"),
        ("/items/a%00b", "path"),
    ],
    ids=["query", "repeated-query", "query-name", "path"],
)
async def test_nul_in_the_path_or_a_query_parameter_is_a_400_naming_it(guarded, url, field):
    client, seen = guarded
    assert_problem(await client.get(url), 400, "bad-request", field)
    assert seen == []


async def test_ordinary_query_and_path_text_reaches_the_app_unchanged(guarded):
    client, seen = guarded
    response = await client.get("/items/caf%C3%A9?q=50%25%20off&tag=%E2%9C%93")
    assert response.status_code == 200
    assert seen == [("café", "50% off", ["✓"])]


@pytest.mark.parametrize(
    "body, field",
    [
        (b'{"subject": "a\\u0000b"}', "body.subject"),
        (b'{"ticket": {"tags": ["ok", "x\\u0000"]}}', "body.ticket.tags.1"),
        (b'{"description": "half an emoji \\ud83d"}', "body.description"),
        (b'{"description": "a low half \\udc00 alone"}', "body.description"),
        (b'{"meta": {"k\\u0000ey": 1}}', "body.meta.k\\u0000ey"),
        (b'[{"a": 1}, {"b": ["\\u0000"]}]', "body.1.b.0"),
    ],
    ids=["string", "nested-list", "lone-high-surrogate", "lone-low-surrogate", "key", "top-level-list"],
)
async def test_unstorable_text_in_a_json_body_is_a_422_naming_the_field(guarded, body, field):
    client, seen = guarded
    response = await client.post("/items", content=body, headers={"Content-Type": "application/json"})
    assert_problem(response, 422, "validation-error", field)
    assert seen == []


async def test_a_vendor_json_type_is_checked_too(guarded):
    client, seen = guarded
    response = await client.post(
        "/items", content=b'{"x": "\\u0000"}', headers={"Content-Type": "application/merge-patch+json; charset=utf-8"}
    )
    assert_problem(response, 422, "validation-error", "body.x")
    assert seen == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"subject": "plain text, no escapes"}',
        '{"subject": "caf\\u00e9 \\ud83d\\ude00 and a real 😀"}'.encode(),
        b'{"subject": "a backslash-u lookalike \\\\u0000 is just text"}',
        b'{"broken json \\u0000',
    ],
    ids=["no-escapes", "escapes-and-a-surrogate-pair", "escaped-backslash", "not-json"],
)
async def test_storable_or_unparseable_bodies_are_replayed_to_the_app_byte_for_byte(guarded, body):
    client, seen = guarded
    response = await client.post("/items", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert seen == [body]


async def test_a_streamed_json_body_is_reassembled_and_replayed():
    app, seen = guarded_app()
    parts = [b'{"subject": ', b'"caf\\u00e9",', b' "n": 1}']

    async def stream():
        for part in parts:
            yield part

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.post("/items", content=stream(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and seen == [b"".join(parts)]


async def test_nul_outside_json_bodies_is_left_to_the_app(guarded):
    client, seen = guarded
    response = await client.post("/items", content=b"a\x00b", headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200 and seen == [b"a\x00b"]


async def test_a_json_body_over_the_cap_is_413_whether_declared_or_streamed():
    app, seen = guarded_app(max_body_bytes=1000)
    big = json.dumps({"text": "x" * 1000}).encode()

    async def stream():
        for start in range(0, len(big), 100):
            yield big[start : start + 100]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        declared = await client.post("/items", content=big, headers={"Content-Type": "application/json"})
        streamed = await client.post("/items", content=stream(), headers={"Content-Type": "application/json"})
        fits = await client.post("/items", content=big[:990] + b'"}', headers={"Content-Type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["type"] == PROBLEMS + "payload-too-large"
    assert fits.status_code == 200 and len(seen) == 1
