"""Forged and broken bearer tokens get 401 problem+json from every service (and a 4401 close from notify's
WebSocket), and write nothing: under the production configuration (RS256 with a public key, issuer and audience)
and under the dev one (an HS256 secret, here with an issuer too)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from helpdesk_servicekit.testing.plugin import TEST_JWT_SECRET, running, service_settings

from ..integration.conftest import SERVICES, settings_class

ISSUER, AUDIENCE = "https://login.example/", "helpdesk"
PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    PRIVATE_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

# One authenticated write per service that a manager may make: a refused token must leave no row behind.
WRITES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "tickets": ("POST", "/v1/tickets", {"subject": "forged", "customer_id": "cust-jwt"}),
    "sla": ("POST", "/v1/sla/calendars", {"name": "forged", "time_zone": "UTC", "always_open": True}),
    "routing": ("POST", "/v1/groups", {"name": "forged"}),
    "knowledge": ("POST", "/v1/kb/categories", {"name": "forged"}),
    "feedback": ("POST", "/v1/feature-requests", {"title": "forged", "description": "forged"}),
    "notify": (
        "PUT",
        "/v1/notifications/preferences",
        {"preferences": [{"event_type": "ticket.message_added", "channel": "email", "enabled": False}]},
    ),
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"sub": "mgr-jwt", "merchant_id": "m-jwt", "role": "manager", "iss": ISSUER, "aud": AUDIENCE,
            "iat": now, "exp": now + 600}  # fmt: skip
    return {k: v for k, v in (base | overrides).items() if v is not None}


def hs256(payload: dict[str, Any], key: bytes, **header: Any) -> str:
    """An HS256 token signed by hand (PyJWT refuses a PEM public key as an HMAC secret: an attacker does not)."""
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", **header}).encode())
    body = b64(json.dumps(payload).encode())
    signature = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def unsigned(payload: dict[str, Any], alg: str) -> str:
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{head}.{b64(json.dumps(payload).encode())}."


def swapped_payload(token: str, payload: dict[str, Any]) -> str:
    """A valid token's header and signature around another payload."""
    head, _, signature = token.split(".")
    return f"{head}.{b64(json.dumps(payload).encode())}.{signature}"


def embedded_jwk(payload: dict[str, Any]) -> str:
    """Signed by the attacker's key, which the header itself offers as the key to check it with."""
    numbers = OTHER_KEY.public_key().public_numbers()
    jwk = {"kty": "RSA", "n": b64(numbers.n.to_bytes(256, "big")), "e": b64(numbers.e.to_bytes(3, "big"))}
    return jwt.encode(payload, OTHER_KEY, algorithm="RS256", headers={"jwk": jwk, "kid": "attacker"})


Sign = Callable[[dict[str, Any]], str]


def attacks(sign: Sign, config: str) -> dict[str, str]:
    now = int(time.time())
    forged = {
        "alg none": unsigned(claims(), "none"),
        "alg None": unsigned(claims(), "None"),
        "expired": sign(claims(exp=now - 60, iat=now - 660)),
        "not yet valid (nbf)": sign(claims(nbf=now + 3600)),
        "wrong issuer": sign(claims(iss="https://evil.example/")),
        "wrong audience": sign(claims(aud="billing")),
        "tampered payload": swapped_payload(sign(claims(role="customer")), claims()),
        "another merchant's payload": swapped_payload(sign(claims()), claims(merchant_id="m-victim")),
        "no signature": sign(claims()).rsplit(".", 1)[0] + ".",
        "no exp": sign(claims(exp=None)),
        "no sub": sign(claims(sub=None)),
        "no merchant_id": sign(claims(merchant_id=None)),
        "no role": sign(claims(role=None)),
        "unknown role": sign(claims(role="admin")),
        "signed by another RSA key": jwt.encode(claims(), OTHER_KEY, algorithm="RS256"),
        "attacker key in the jwk header": embedded_jwk(claims()),
        "not a JWT": "not.a.token",
        "garbage": "x" * 500,
    }
    if config == "rs256":
        forged["HS256 signed with the RS256 public key"] = hs256(claims(), PUBLIC_PEM.encode())
        forged["HS256 signed with the public key (DER)"] = hs256(
            claims(),
            PRIVATE_KEY.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )
    else:
        forged["HS256 signed with another secret"] = hs256(claims(), b"another-secret-of-at-least-32-characters")
    forged["no issuer"] = sign(claims(iss=None))
    return forged


CONFIGS: dict[str, tuple[dict[str, Any], Sign]] = {
    "rs256": (
        {"jwt_secret": None, "jwt_public_key": PUBLIC_PEM, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE},
        lambda payload: jwt.encode(payload, PRIVATE_KEY, algorithm="RS256"),
    ),
    "hs256-dev": (
        {"jwt_secret": TEST_JWT_SECRET, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE},
        lambda payload: jwt.encode(payload, TEST_JWT_SECRET, algorithm="HS256"),
    ),
}


async def row_counts(database_url: str) -> dict[str, int]:
    """Rows per table of the service's database (the migrations' bookkeeping aside)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'alembic%'"
                    )
                )
            ).scalars()
            return {t: (await conn.execute(text(f'SELECT count(*) FROM "{t}"'))).scalar_one() for t in tables}
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def service_app(
    service: str, database_url: str, amqp_url: str, namespace: str, auth: dict[str, Any]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = service_settings(
        settings_class(service), database_url=database_url, amqp_url=amqp_url, namespace=namespace, role="api", **auth
    )
    main = __import__(f"helpdesk_{service}.main", fromlist=["build"])
    async with running(main.build(settings)) as client:
        yield client


async def ws_close_code(app: Any, token: str, *, in_subprotocol: bool = False) -> int | None:
    """The close code notify's live socket answers `token` with, given in the query or the subprotocol header
    (None: it stayed open)."""
    url, protocols = (
        ("http://t/v1/ws", [f"bearer.{token}"]) if in_subprotocol else (f"http://t/v1/ws?token={token}", [])
    )
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app), base_url="http://t") as client:
        async with aconnect_ws(url, client, subprotocols=protocols) as ws:
            try:
                frame = await ws.receive_text(timeout=5)
            except WebSocketDisconnect as closed:
                return closed.code
            assert json.loads(frame)["type"] == "hello", frame
            return None


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("service", SERVICES)
async def test_every_forged_or_broken_token_is_a_401_that_writes_nothing(
    service, config, database_factory, amqp_url, amqp_namespace
):
    auth, sign = CONFIGS[config]
    database_url = await database_factory(f"jwt_{service}")
    method, path, body = WRITES[service]
    async with service_app(service, database_url, amqp_url, amqp_namespace, auth) as client:
        before = await row_counts(database_url)
        wrong = []
        for attack, token in attacks(sign, config).items():
            response = await client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 401 or response.headers["content-type"] != "application/problem+json":
                wrong.append(f"{attack}: {response.status_code} {response.text[:200]}")
            if service == "notify":
                for in_subprotocol in (False, True):
                    code = await ws_close_code(client.app, token, in_subprotocol=in_subprotocol)  # type: ignore[attr-defined]
                    if code != 4401:
                        wrong.append(f"{attack} on the WebSocket ({in_subprotocol=}): closed with {code}, not 4401")
        assert not wrong, f"{service} ({config}) accepted or mishandled:\n" + "\n".join(wrong)
        assert await row_counts(database_url) == before
        # The same request with a genuine token goes through: the refusals above are the tokens' doing.
        genuine = {"Authorization": f"Bearer {sign(claims())}"}
        response = await client.request(method, path, json=body, headers=genuine)
        assert response.status_code in (200, 201), response.text
        assert await row_counts(database_url) != before
        if service == "notify":
            for in_subprotocol in (False, True):
                assert await ws_close_code(client.app, sign(claims()), in_subprotocol=in_subprotocol) is None  # type: ignore[attr-defined]
