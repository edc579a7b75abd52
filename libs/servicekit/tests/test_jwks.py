"""JWKS against a real HTTP server on 127.0.0.1: revocation, an unreachable provider, and bogus-kid floods."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from helpdesk_servicekit.auth import CurrentPrincipal, JwtVerifier
from helpdesk_servicekit.errors import install_problem_handlers
from helpdesk_servicekit.settings import ServiceSettings

ISSUER, AUDIENCE = "https://login.example/", "helpdesk"


class JwksServer:
    """Serves a JWK set over HTTP/1.1; `mode` makes it answer, fail with 503, or accept and never answer."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, Any]] = {}
        self.mode = "ok"
        self.hits = 0
        self.received = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._release = asyncio.Event()
        self._writers: list[asyncio.StreamWriter] = []

    def add(self, kid: str, private_key: rsa.RSAPrivateKey) -> None:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        self.keys[kid] = jwk | {"kid": kid, "use": "sig", "alg": "RS256"}

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/.well-known/jwks.json"

    async def stop(self) -> None:
        self._release.set()
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        self.hits += 1
        self.received.set()
        if self.mode == "hang":
            await self._release.wait()
            return
        status, body = "200 OK", json.dumps({"keys": list(self.keys.values())}).encode()
        if self.mode == "error":
            status, body = "503 Service Unavailable", b"{}"
        head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"Connection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048) for kid in ("k1", "k2")}


@pytest.fixture
async def jwks_server(keys: dict[str, rsa.RSAPrivateKey]) -> AsyncIterator[tuple[JwksServer, str]]:
    server = JwksServer()
    for kid, key in keys.items():
        server.add(kid, key)
    url = await server.start()
    yield server, url
    await server.stop()


def client_for(url: str, **jwks: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app_for(url, **jwks)), base_url="http://test")


def app_for(url: str, **jwks: float) -> FastAPI:
    """A tiny app that answers who the bearer is, verifying against the JWKS at `url`."""
    settings = ServiceSettings(
        env="prod",
        amqp_url="amqp://svc:pw@rabbit/",
        jwt_jwks_url=url,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        **{f"jwt_jwks_{name}": value for name, value in jwks.items()},  # type: ignore[arg-type]
    )
    app = FastAPI()
    app.state.jwt = JwtVerifier(settings)
    install_problem_handlers(app)

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"user_id": principal.user_id}

    return app


def token(key: rsa.RSAPrivateKey, kid: str, user: str = "u1") -> dict[str, str]:
    claims = {"sub": user, "merchant_id": "m1", "role": "agent", "iss": ISSUER, "aud": AUDIENCE}
    encoded = jwt.encode(claims | {"exp": int(time.time()) + 300}, key, algorithm="RS256", headers={"kid": kid})
    return {"Authorization": f"Bearer {encoded}"}


async def status_of(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return (await client.get("/me", headers=headers)).status_code


async def test_a_token_signed_with_a_key_removed_from_the_jwks_is_refused_after_the_refresh(jwks_server, keys):
    server, url = jwks_server
    async with client_for(url, refresh_seconds=0.3, cooldown_seconds=0.1) as client:
        removed, kept = token(keys["k1"], "k1"), token(keys["k2"], "k2")
        assert await status_of(client, removed) == 200
        assert await status_of(client, kept) == 200
        del server.keys["k1"]
        deadline = time.monotonic() + 5
        while await status_of(client, removed) == 200:  # the verified-token cache answers until the refresh
            assert time.monotonic() < deadline, "the removed key was still accepted 5 s later"
            await asyncio.sleep(0.05)
        response = await client.get("/me", headers=removed)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "k1" in response.json()["detail"]
        assert await status_of(client, kept) == 200
        assert await status_of(client, token(keys["k1"], "k1", user="u2")) == 401


async def test_a_key_added_to_the_jwks_is_accepted_at_once(jwks_server, keys):
    server, url = jwks_server
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with client_for(url, cooldown_seconds=0) as client:
        assert await status_of(client, token(keys["k1"], "k1")) == 200
        server.add("k3", rotated)
        assert await status_of(client, token(rotated, "k3")) == 200
    assert server.hits == 2


async def test_an_unreachable_jwks_server_never_blocks_requests_with_a_cached_key(jwks_server, keys):
    server, url = jwks_server
    fresh = [token(keys["k1"], "k1", user=f"u{n}") for n in range(20)]  # not in the verified-token cache
    bogus_kid = token(keys["k1"], f"bogus-{uuid.uuid4()}")
    async with client_for(url, refresh_seconds=0.2, cooldown_seconds=0.1, timeout_seconds=2.5) as client:
        assert await status_of(client, token(keys["k1"], "k1")) == 200
        server.mode = "hang"
        await asyncio.sleep(0.3)  # the set is stale now: the next request starts a refetch that will hang
        started = time.monotonic()
        server.received.clear()
        bogus = asyncio.create_task(status_of(client, bogus_kid))
        await asyncio.wait_for(server.received.wait(), 2)  # the refetch reached the server, which won't answer
        for headers in fresh:
            began = time.monotonic()
            assert await status_of(client, headers) == 200
            assert time.monotonic() - began < 0.5
        assert server.hits == 2 and not bogus.done()  # the fetch still hangs; nobody else waited for it
        assert await bogus == 401  # it waited for the fetch, which timed out, then was refused
        assert 2.0 < time.monotonic() - started < 5


async def test_a_flood_of_unknown_kids_fetches_at_most_once_per_cooldown(jwks_server, keys):
    server, url = jwks_server
    floods = [[token(keys["k1"], f"bogus-{uuid.uuid4()}") for _ in range(40)] for _ in range(5)]
    async with client_for(url, cooldown_seconds=2.0) as client:

        async def flood(n: int) -> set[int]:
            return set(await asyncio.gather(*(status_of(client, headers) for headers in floods[n])))

        assert await status_of(client, token(keys["k1"], "k1")) == 200
        assert server.hits == 1
        assert await flood(0) == {401}
        assert server.hits == 1  # within the cooldown of the first fetch: no fetch at all
        await asyncio.sleep(2.05)
        assert await flood(1) == {401}
        assert await flood(2) == {401}
        assert server.hits == 2
        server.mode = "error"  # failed fetches count against the cooldown too
        await asyncio.sleep(2.05)
        assert await flood(3) == {401}
        assert await flood(4) == {401}
        assert server.hits == 3
        assert await status_of(client, token(keys["k2"], "k2")) == 200  # the last good set is kept


async def test_a_kid_that_now_names_other_key_material_refuses_tokens_of_the_old_key(jwks_server, keys):
    server, url = jwks_server
    async with client_for(url, refresh_seconds=0.2, cooldown_seconds=0.1) as client:
        old = token(keys["k1"], "k1")
        assert await status_of(client, old) == 200
        replacement = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        server.add("k1", replacement)
        deadline = time.monotonic() + 5
        while await status_of(client, old) == 200:
            assert time.monotonic() < deadline, "a token of the replaced key was still accepted 5 s later"
            await asyncio.sleep(0.05)
        assert await status_of(client, token(replacement, "k1")) == 200


async def test_the_refresh_loop_revokes_a_removed_key_on_schedule_without_any_request(jwks_server, keys):
    server, url = jwks_server
    app = app_for(url, refresh_seconds=0.3)
    stop = asyncio.Event()
    refreshing = asyncio.create_task(app.state.jwt.refresh_loop(stop))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        removed = token(keys["k1"], "k1")
        assert await status_of(client, removed) == 200
        del server.keys["k1"]
        hits = server.hits
        await asyncio.sleep(0.6)  # a scheduled refetch, with no request in between
        assert server.hits > hits
        assert await status_of(client, removed) == 401  # the very first request after the refresh
    stop.set()
    await asyncio.wait_for(refreshing, 2)
