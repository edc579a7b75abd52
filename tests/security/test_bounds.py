"""Bounded inputs: what a client sends is capped before it costs memory, recursion or an unbounded query.

In-process (each service's app on real PostgreSQL): JSON bodies over the cap are 413 whether they declare their
length or stream it chunked, whatever their content type says; deeply nested JSON is a 4xx; every list's `limit`
refuses more than its maximum; thousands of query parameters are a 4xx or an answer, never a 5xx; attachments over
their cap are 413. Over real sockets (the service's own uvicorn, as `make up` runs it): oversized headers are
refused and the server keeps serving, and a client that trickles its request or sends nothing is disconnected.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from helpdesk_servicekit.testing.plugin import bearer, running, service_settings
from helpdesk_servicekit.textguard import DEFAULT_MAX_BODY_BYTES

from ..fuzz.test_openapi_fuzz import forget_later, serving
from ..integration.conftest import SERVICES, settings_class

MANAGER = bearer("mgr-bounds", "m-bounds", "manager")
CUSTOMER = bearer("cust-bounds", "m-bounds", "customer")
ATTACHMENT_MAX = 64 * 1024
# One JSON write per service (any role's answer will do: the cap applies before the route).
WRITES = {
    "tickets": "/v1/tickets",
    "sla": "/v1/sla/calendars",
    "routing": "/v1/groups",
    "knowledge": "/v1/kb/categories",
    "feedback": "/v1/feature-requests",
    "notify": "/v1/notifications/preferences",
}
METHOD = {service: "PUT" if service == "notify" else "POST" for service in WRITES}
OVER_CAP = DEFAULT_MAX_BODY_BYTES + 1


@contextlib.asynccontextmanager
async def service_app(service: str, database_factory: Any, amqp_url: str, namespace: str) -> AsyncIterator[Any]:
    extra = {"attachment_max_bytes": ATTACHMENT_MAX} if service == "tickets" else {}
    settings = service_settings(
        settings_class(service),
        database_url=await database_factory(f"bounds_{service}"),
        amqp_url=amqp_url,
        namespace=namespace,
        role="api",
        **extra,
    )
    async with running(importlib.import_module(f"helpdesk_{service}.main").build(settings)) as client:
        yield client


def oversized_json() -> bytes:
    return b'{"subject": "' + b"a" * OVER_CAP + b'"}'


async def chunked(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def over_the_cap(client: Any, path: str, content_types: tuple[str | None, ...]) -> list[str]:
    """What is wrong with the answers to a body one byte over the JSON cap, declared and chunked, per content type."""
    wrong = []
    method = "PUT" if path.startswith("/v1/notifications") else "POST"
    for content_type in content_types:
        headers = MANAGER | ({"Content-Type": content_type} if content_type else {})
        declared = await client.request(method, path, content=oversized_json(), headers=headers)
        streamed = await client.request(method, path, content=chunked(oversized_json()), headers=headers)
        for how, response in (("with Content-Length", declared), ("chunked", streamed)):
            if response.status_code != 413:
                wrong.append(f"{OVER_CAP} bytes as {content_type} {how}: {response.status_code}")
    return wrong


@pytest.mark.parametrize("service", ["tickets", "notify"])
async def test_a_body_over_the_cap_is_413_whatever_content_type_it_claims(
    service, database_factory, amqp_url, amqp_namespace
):
    async with service_app(service, database_factory, amqp_url, amqp_namespace) as client:
        wrong = await over_the_cap(client, WRITES[service], ("text/plain", None))
        assert not wrong, f"{service}:\n" + "\n".join(wrong)


def list_routes(app: Any) -> list[tuple[str, int]]:
    """(path, the maximum its `limit` accepts) of every GET route with a `limit` query parameter."""
    found = []
    for path, item in app.openapi()["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            if parameter["name"] == "limit" and parameter["in"] == "query":
                schema = parameter["schema"]
                assert "maximum" in schema, f"GET {path}: `limit` has no maximum"
                found.append((path, int(schema["maximum"])))
    return found


QUERIES = {  # what a list needs besides `limit` to answer at all
    "/v1/articles/search": {"q": "parcel"},
    "/v1/kb/suggest": {"q": "parcel"},
    "/v1/surveys/results": {"type": "csat"},
    "/v1/kb/deflection": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
}


@pytest.mark.parametrize("service", SERVICES)
async def test_bodies_nesting_page_sizes_and_query_strings_are_bounded(
    service, database_factory, amqp_url, amqp_namespace
):
    async with service_app(service, database_factory, amqp_url, amqp_namespace) as client:
        path = WRITES[service]
        wrong = await over_the_cap(client, path, ("application/json", "application/problem+json", "Application/JSON"))
        for depth_of in (b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
            for body in (depth_of, b'{"s": "\\u00e9", "x": ' + depth_of + b"}"):  # \\u: TextGuard parses it too
                response = await client.request(
                    METHOD[service], path, content=body, headers=MANAGER | {"Content-Type": "application/json"}
                )
                if not 400 <= response.status_code < 500:
                    wrong.append(f"{len(body)} bytes of nesting: {response.status_code} {response.text[:120]}")
        app = client.app
        for list_path, maximum in list_routes(app):
            if "{" in list_path:
                list_path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), list_path)
            query = QUERIES.get(list_path, {})
            for limit in (maximum + 1, 10**9, 10**30, -1, 0):
                response = await client.get(list_path, params=query | {"limit": limit}, headers=MANAGER)
                if response.status_code != 422:
                    wrong.append(f"GET {list_path}?limit={limit}: {response.status_code}, not 422")
            response = await client.get(list_path, params=query | {"limit": maximum}, headers=MANAGER)
            if response.status_code not in (200, 404):  # a made-up id in the path: 404
                wrong.append(f"GET {list_path}?limit={maximum} (the maximum): {response.status_code} {response.text}")
        many = "&".join(f"p{i}={i}" for i in range(4_000))
        for list_path, _ in list_routes(app)[:1] or [("/healthz", 0)]:
            response = await client.get(f"{list_path}?{many}", headers=MANAGER)
            if response.status_code >= 500:
                wrong.append(f"4000 query parameters: {response.status_code}")
        assert not wrong, f"{service}:\n" + "\n".join(wrong)


def multipart(size: int, filename: str = "big.txt") -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: text/plain\r\n\r\n"
    ).encode()
    return body + b"a" * size + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def test_attachments_over_the_cap_are_refused_declared_or_streamed(database_factory, amqp_url, amqp_namespace):
    async with service_app("tickets", database_factory, amqp_url, amqp_namespace) as client:
        ticket = await client.post("/v1/tickets", json={"subject": "bounds"}, headers=CUSTOMER)
        assert ticket.status_code == 201, ticket.text
        path = f"/v1/tickets/{ticket.json()['id']}/attachments"
        fits, content_type = multipart(ATTACHMENT_MAX)
        response = await client.post(path, content=fits, headers=CUSTOMER | {"Content-Type": content_type})
        assert response.status_code == 201, response.text
        for size in (ATTACHMENT_MAX + 1, 4 * 1024 * 1024):
            body, content_type = multipart(size)
            headers = CUSTOMER | {"Content-Type": content_type}
            declared = await client.post(path, content=body, headers=headers)
            streamed = await client.post(path, content=chunked(body), headers=headers)
            assert (declared.status_code, streamed.status_code) == (413, 413), (size, declared.text, streamed.text)
        listed = await client.get(path, headers=CUSTOMER)
        assert [a["size_bytes"] for a in listed.json()] == [ATTACHMENT_MAX]


# Over real sockets: the service's console script, as `make up` runs it.


@pytest.fixture(scope="module")
async def served(database_factory, amqp_url, amqp_run_namespace) -> AsyncIterator[tuple[str, int]]:
    namespace = f"{amqp_run_namespace}bounds.notify."
    forget_later(namespace, "notify")
    with serving("notify", await database_factory("bounds_served"), amqp_url, namespace) as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port)


def exchange(address: tuple[str, int], request: bytes, timeout: float = 15) -> bytes:
    with socket.create_connection(address, timeout=timeout) as conn:
        conn.sendall(request)
        received = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while chunk := conn.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received:
                    break
        return received


def test_oversized_headers_are_refused_and_the_server_keeps_serving(served):
    huge = b"a" * (1024 * 1024)
    wrong = []
    for what, request in {
        "a 1 MiB header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + b"\r\n\r\n",
        "50000 headers": b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: v\r\n" % i for i in range(50_000))
        + b"\r\n",
    }.items():
        status = exchange(served, request).split(b"\r\n", 1)[0]
        if status.startswith((b"HTTP/1.1 2", b"HTTP/1.1 5")):  # refused (4xx) or the connection dropped
            wrong.append(f"{what}: {status.decode()}")
    assert not wrong, wrong
    assert exchange(served, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200")


def test_an_oversized_request_line_is_refused_and_the_server_keeps_serving(served):
    status = exchange(served, b"GET /healthz?" + b"a" * (1024 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert not status.split(b"\r\n", 1)[0].startswith((b"HTTP/1.1 2", b"HTTP/1.1 5")), status[:100]
    assert exchange(served, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200")


SLOW_BOUND = 10.0  # seconds a server may wait for a request's headers (BoundedHttpProtocol's default)


def closed_within(address: tuple[str, int], trickle: bytes | None, bound: float) -> bool:
    """Whether the server hangs up on a client that sends `trickle` one byte per 0.25 s (None: nothing at all)."""
    with socket.create_connection(address, timeout=1) as conn:
        deadline = time.monotonic() + bound
        sent = 0
        while time.monotonic() < deadline:
            try:
                if trickle is not None:
                    conn.sendall(trickle[sent % len(trickle) : sent % len(trickle) + 1])
                    sent += 1
                conn.settimeout(0.25)
                if conn.recv(1024) == b"":
                    return True
            except TimeoutError:
                continue
            except (ConnectionResetError, BrokenPipeError):
                return True
        return False


def test_a_client_that_trickles_its_headers_or_sends_nothing_is_disconnected(served):
    verdicts: dict[str, bool] = {}
    trickles = {
        "headers byte by byte": b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 10_000,
        "nothing at all": None,
    }
    threads = [
        threading.Thread(target=lambda n=n, t=t: verdicts.__setitem__(n, closed_within(served, t, SLOW_BOUND + 5)))
        for n, t in trickles.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verdicts == {name: True for name in trickles}, verdicts
    assert exchange(served, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 200")
