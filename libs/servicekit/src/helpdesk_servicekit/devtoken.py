"""Mint a dev HS256 token: `python -m helpdesk_servicekit.devtoken --role agent --merchant m1 --sub u1`.

Dev only: the secret comes from HELPDESK_JWT_SECRET or the untracked `.local/dev-secret` file.
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
from pathlib import Path

import jwt

SECRET_FILE = Path(".local/dev-secret")


def dev_secret(create: bool = True) -> str:
    if secret := os.environ.get("HELPDESK_JWT_SECRET"):
        return secret
    if not SECRET_FILE.exists():
        if not create:
            raise SystemExit("no dev secret: run `make token` once")
        SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        SECRET_FILE.write_text(secrets.token_urlsafe(48))
        SECRET_FILE.chmod(0o600)
    return SECRET_FILE.read_text().strip()


def mint(
    secret: str,
    *,
    sub: str,
    merchant_id: str,
    role: str,
    audience: str | None = "helpdesk",
    ttl: int = 3600,
    issuer: str | None = None,
    **extra: object,
) -> str:
    now = int(time.time())
    claims: dict[str, object] = {"sub": sub, "merchant_id": merchant_id, "role": role, "iat": now, "exp": now + ttl}
    if audience:
        claims["aud"] = audience
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims | extra, secret, algorithm="HS256")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", default="agent", choices=["customer", "agent", "manager"])
    parser.add_argument("--merchant", default="m1")
    parser.add_argument("--sub", default="u1")
    parser.add_argument("--ttl", type=int, default=12 * 3600)
    parser.add_argument("--email", help="identity claim: the user's email address")
    parser.add_argument("--name", help="identity claim: the user's display name")
    parser.add_argument("--locale", help="identity claim: the user's language, e.g. en or de-DE")
    args = parser.parse_args()
    audience = os.environ.get("HELPDESK_JWT_AUDIENCE", "helpdesk")
    identity = {k: v for k, v in {"email": args.email, "name": args.name, "locale": args.locale}.items() if v}
    print(
        mint(
            dev_secret(),
            sub=args.sub,
            merchant_id=args.merchant,
            role=args.role,
            audience=audience,
            ttl=args.ttl,
            **identity,
        )
    )


if __name__ == "__main__":
    main()
