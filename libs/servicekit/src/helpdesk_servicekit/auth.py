"""Bearer JWT → Principal, and FastAPI dependencies for roles (DESIGN §6)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from helpdesk_contracts import Role
from helpdesk_servicekit.errors import Forbidden, Unauthorized
from helpdesk_servicekit.settings import Environment, ServiceSettings


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


class JwtVerifier:
    """Verifies tokens with the key material the settings allow: HS256 only in dev."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None
        self._public_key = settings.jwt_public_key
        self._asymmetric = list(settings.jwt_algorithms)
        self._secret = settings.jwt_secret if settings.env is not Environment.PROD else None
        # Clients send the same token for many requests; signature checks are a tenth of a create request.
        self.cache_size = 10_000
        self._verified: dict[str, tuple[Principal, float]] = {}

    def _key_and_algorithms(self, token: str) -> tuple[Any, list[str]]:
        header = jwt.get_unverified_header(token)
        alg = header.get("alg")
        if alg == "HS256" and self._secret:
            return self._secret, ["HS256"]
        if alg in self._asymmetric:
            if self._jwks is not None:
                return self._jwks.get_signing_key_from_jwt(token).key, self._asymmetric
            if self._public_key:
                return self._public_key, self._asymmetric
        raise jwt.InvalidAlgorithmError(f"algorithm {alg!r} not accepted")

    def verify(self, token: str) -> Principal:
        """The principal a valid token names; verified tokens are remembered until they expire."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires_at = self._verify(token)
        if len(self._verified) >= self.cache_size:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (principal, expires_at)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            key, algorithms = self._key_and_algorithms(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub"], "verify_aud": self.audience is not None},
            )
            principal = Principal(
                user_id=str(claims["sub"]),
                merchant_id=str(claims["merchant_id"]),
                role=Role(claims["role"]),
                email=_optional_claim(claims, "email", 320),
                name=_optional_claim(claims, "name", 200),
                locale=_optional_claim(claims, "locale", 35),
            )
            return principal, float(claims["exp"])
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise Unauthorized(f"invalid bearer token: {exc}") from None


def _optional_claim(claims: dict[str, Any], name: str, max_length: int) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        raise ValueError(f"claim {name!r} is not a string of at most {max_length} characters")
    return value or None


_bearer = HTTPBearer(auto_error=False)


async def get_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required")
    verifier: JwtVerifier = request.app.state.jwt
    return verifier.verify(credentials.credentials)


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
