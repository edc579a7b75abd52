"""A minimal S3-compatible client (PUT, streaming GET) signed with AWS Signature Version 4."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import IO
from urllib.parse import quote, urlsplit

import httpx

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def sign_v4(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    now: datetime,
    service: str = "s3",
) -> dict[str, str]:
    """The headers to add (x-amz-date, x-amz-content-sha256, Authorization) for a SigV4-signed request."""
    parts = urlsplit(url)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    signed = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    signed |= {"host": parts.netloc, "x-amz-date": amz_date, "x-amz-content-sha256": payload_sha256}
    names = sorted(signed)
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(tuple(p.split("=", 1)) if "=" in p else (p, "") for p in parts.query.split("&") if p)
    )
    canonical = "\n".join(
        [
            method,
            quote(parts.path or "/", safe="/-_.~"),
            query,
            "".join(f"{n}:{signed[n]}\n" for n in names),
            ";".join(names),
            payload_sha256,
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_sha256,
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
        ),
    }


class S3Client:
    """Path-style requests (`<endpoint>/<bucket>/<key>`), which every S3-compatible store accepts."""

    def __init__(self, endpoint: str, bucket: str, region: str, access_key: str, secret_key: str) -> None:
        self.endpoint, self.bucket, self.region = endpoint.rstrip("/"), bucket, region
        self.access_key, self.secret_key = access_key, secret_key

    def _url(self, key: str) -> str:
        return f"{self.endpoint}/{self.bucket}/{quote(key, safe='/')}"

    def _signed(self, method: str, url: str, headers: dict[str, str], payload_sha256: str) -> dict[str, str]:
        return headers | sign_v4(
            method,
            url,
            headers,
            payload_sha256,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            now=datetime.now(UTC),
        )

    async def put(self, key: str, body: IO[bytes]) -> None:
        digest, size = hashlib.sha256(), 0
        for block in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(block)
            size += len(block)
        body.seek(0)
        url = self._url(key)
        headers = self._signed("PUT", url, {"content-length": str(size)}, digest.hexdigest())
        async with httpx.AsyncClient(timeout=60) as client:
            response = await client.put(url, content=body.read(), headers=headers)
            response.raise_for_status()

    async def get(self, key: str) -> AsyncIterator[bytes]:
        url = self._url(key)
        async with (
            httpx.AsyncClient(timeout=60) as client,
            client.stream("GET", url, headers=self._signed("GET", url, {}, EMPTY_SHA256)) as response,
        ):
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                yield chunk
