"""Bearer JWT → Principal, and FastAPI dependencies for roles (docs/architecture.md §6)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from helpdesk_contracts import Role
from helpdesk_servicekit.errors import Forbidden, Unauthorized
from helpdesk_servicekit.settings import Environment, ServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who is calling. `email`, `name` and `locale` are optional identity claims the account system issues;
    they are the only source of a customer's contact details (a request body never is)."""

    user_id: str
    merchant_id: str
    role: Role
    email: str | None = None
    name: str | None = None
    locale: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.AGENT, Role.MANAGER)


@dataclass(frozen=True)
class SigningKey:
    """One key of the set; `fingerprint` changes when the material behind a kid does."""

    jwk: jwt.PyJWK
    fingerprint: str
    algorithm: str | None  # the JWK's own `alg`, when it names one


class JwksKeys:
    """The identity provider's signing keys, fetched over HTTP without ever blocking the event loop.

    Keys are refetched in the background once they are `refresh_seconds` old (the request that notices
    carries on with the keys it has), and at once for a `kid` not in the set, but never more than once per
    `cooldown_seconds`, failed fetches included: a flood of bogus kids while the provider is down costs one
    fetch per cooldown, and a request waits at most `timeout_seconds` for a fetch it needs. A failed fetch
    keeps the last good set; a key missing from a successful fetch is gone.
    """

    def __init__(
        self, url: str, *, refresh_seconds: float = 300.0, cooldown_seconds: float = 30.0, timeout_seconds: float = 5.0
    ) -> None:
        self.url = url
        self.refresh_seconds = refresh_seconds
        self.cooldown_seconds = cooldown_seconds
        self.timeout_seconds = timeout_seconds
        self.fetches = 0
        self._keys: dict[str | None, SigningKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._inflight: asyncio.Task[bool] | None = None

    def fingerprint(self, kid: str | None) -> str | None:
        """What identifies the key material behind `kid` now (None when the set no longer has it)."""
        entry = self._keys.get(kid)
        return entry.fingerprint if entry is not None else None

    async def key(self, kid: str | None) -> SigningKey:
        """The key named `kid` and its fingerprint; fetches the set when `kid` is unknown and the cooldown allows."""
        entry = self._keys.get(kid)
        if entry is not None:
            self.refresh_if_stale()
            return entry
        if self._inflight is None and self._may_fetch():
            self._start_fetch()
        if self._inflight is not None:
            await asyncio.shield(self._inflight)
        entry = self._keys.get(kid)
        if entry is None:
            raise jwt.InvalidKeyError(f"no signing key {kid!r} in the identity provider's key set")
        return entry

    def refresh_if_stale(self) -> None:
        """Start a background refetch when the set is older than the refresh interval (cheap when it is not)."""
        if self._inflight is not None:
            return
        fetched_at = self._fetched_at
        if (fetched_at is None or time.monotonic() - fetched_at >= self.refresh_seconds) and self._may_fetch():
            self._start_fetch()

    async def refresh(self) -> bool:
        """Fetch the set now (joining a fetch already under way); False when it failed."""
        if self._inflight is None:
            self._start_fetch()
        assert self._inflight is not None
        return await asyncio.shield(self._inflight)

    def _may_fetch(self) -> bool:
        attempted = self._attempted_at
        return attempted is None or time.monotonic() - attempted >= self.cooldown_seconds

    def _start_fetch(self) -> None:
        self._attempted_at = time.monotonic()
        self._inflight = asyncio.get_running_loop().create_task(self._fetch(), name="jwks-fetch")

    async def _fetch(self) -> bool:
        self.fetches += 1
        try:
            # httpx's timeout bounds each phase; the overall one bounds a server that trickles bytes.
            async with asyncio.timeout(self.timeout_seconds), httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                response = await client.get(self.url, headers={"Accept": "application/json"})
                response.raise_for_status()
                self._keys = _signing_keys(response.json())
            self._fetched_at = time.monotonic()
            return True
        except Exception as exc:  # the provider away or answering nonsense: keep the last good set
            log.warning("JWKS fetch from %s failed, keeping %d cached keys: %s", self.url, len(self._keys), exc)
            return False
        finally:
            self._inflight = None


def _signing_keys(document: Any) -> dict[str | None, SigningKey]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK set")
    keys: dict[str | None, SigningKey] = {}
    for data in document["keys"]:
        if not isinstance(data, dict) or data.get("use", "sig") != "sig":
            continue
        try:
            jwk = jwt.PyJWK(data)
        except jwt.PyJWTError:
            continue  # a key type or algorithm we cannot use: skip it, as PyJWKSet does
        declared = data.get("alg") if isinstance(data.get("alg"), str) else None
        keys[jwk.key_id] = SigningKey(jwk, json.dumps(data, sort_keys=True), declared)
    return keys


@dataclass(frozen=True)
class _Verified:
    principal: Principal
    expires_at: float
    kid: str | None = None
    fingerprint: str | None = None  # set when a JWKS key verified it: the entry lives only as long as that key


class JwtVerifier:
    """Verifies tokens with the key material the settings allow: HS256 only in dev."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.jwks = (
            JwksKeys(
                settings.jwt_jwks_url,
                refresh_seconds=settings.jwt_jwks_refresh_seconds,
                cooldown_seconds=settings.jwt_jwks_cooldown_seconds,
                timeout_seconds=settings.jwt_jwks_timeout_seconds,
            )
            if settings.jwt_jwks_url
            else None
        )
        self._public_key = settings.jwt_public_key
        self._asymmetric = list(settings.jwt_algorithms)
        self._secret = settings.jwt_secret if settings.env is not Environment.PROD else None
        # Clients send the same token for many requests; signature checks are a tenth of a create request.
        self.cache_size = 10_000
        self._verified: dict[str, _Verified] = {}

    async def prime(self) -> None:
        """Fetch the JWKS ahead of the first request (optional: the first token would fetch it anyway)."""
        if self.jwks is not None:
            await self.jwks.refresh()

    async def refresh_loop(self, stop: asyncio.Event) -> None:
        """Background task for every role: refetch the JWKS on schedule, so a removed key is refused after the
        refresh interval even if no request came in between (requests alone refresh it only when they notice)."""
        if self.jwks is None:
            return
        while not stop.is_set():
            fetched = await self.jwks.refresh()
            wait = self.jwks.refresh_seconds if fetched else max(self.jwks.cooldown_seconds, 1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    async def verify(self, token: str) -> Principal:
        """The principal a valid token names; verified tokens are remembered until they expire or their key goes."""
        cached = self._verified.get(token)
        if cached is not None and cached.expires_at > time.time():
            if cached.fingerprint is None:
                return cached.principal
            assert self.jwks is not None
            if self.jwks.fingerprint(cached.kid) == cached.fingerprint:
                self.jwks.refresh_if_stale()
                return cached.principal
        verified = await self._verify(token)
        if cached is None and len(self._verified) >= self.cache_size:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = verified
        return verified.principal

    async def _key_and_algorithms(self, token: str) -> tuple[Any, list[str], str | None, str | None]:
        header = jwt.get_unverified_header(token)
        alg = header.get("alg")
        if alg == "HS256" and self._secret:
            return self._secret, ["HS256"], None, None
        if alg in self._asymmetric:
            if self.jwks is not None:
                kid = header.get("kid")
                if kid is not None and not isinstance(kid, str):
                    raise jwt.InvalidTokenError("the kid header is not a string")
                signing = await self.jwks.key(kid)
                if signing.algorithm not in (None, alg):
                    raise jwt.InvalidAlgorithmError(f"key {kid!r} is for {signing.algorithm}, not {alg}")
                return signing.jwk.key, [alg], kid, signing.fingerprint
            if self._public_key:
                return self._public_key, self._asymmetric, None, None
        raise jwt.InvalidAlgorithmError(f"algorithm {alg!r} not accepted")

    async def _verify(self, token: str) -> _Verified:
        try:
            key, algorithms, kid, fingerprint = await self._key_and_algorithms(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub"], "verify_aud": self.audience is not None},
            )
            principal = Principal(
                user_id=_identifier(claims, "sub"),
                merchant_id=_identifier(claims, "merchant_id"),
                role=Role(claims["role"]),
                email=_optional_claim(claims, "email", 320),
                name=_optional_claim(claims, "name", 200),
                locale=_optional_claim(claims, "locale", 35),
            )
            return _Verified(principal, float(claims["exp"]), kid, fingerprint)
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise Unauthorized(f"invalid bearer token: {exc}") from None


# PostgreSQL stores neither NUL nor a lone surrogate (which a JSON claim can carry as an escape).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _identifier(claims: dict[str, Any], name: str) -> str:
    value = str(claims[name])
    if _UNSTORABLE.search(value):
        raise ValueError(f"claim {name!r} holds characters that cannot be stored")
    return value


def _optional_claim(claims: dict[str, Any], name: str, max_length: int) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length or _UNSTORABLE.search(value):
        raise ValueError(f"claim {name!r} is not a string of at most {max_length} characters")
    return value or None


_bearer = HTTPBearer(auto_error=False)


async def get_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    verifier: JwtVerifier = request.app.state.jwt
    return await verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only `roles` through (403 otherwise)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"this action needs role {' or '.join(r.value for r in roles)}")
        return principal

    return check


StaffPrincipal = Annotated[Principal, Depends(require_roles(Role.AGENT, Role.MANAGER))]
ManagerPrincipal = Annotated[Principal, Depends(require_roles(Role.MANAGER))]
CustomerPrincipal = Annotated[Principal, Depends(require_roles(Role.CUSTOMER))]
