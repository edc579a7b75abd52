"""A small keep-alive HTTP/1.1 load generator on raw asyncio streams (cheaper per request than httpx,
so on a 2-core machine more of the CPU goes to the server being measured)."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else float("nan")

    def line(self, name: str) -> str:
        return (
            f"{name:<28} {self.rps:>9.0f} req/s   p50 {self.pct(0.50):6.1f} ms   p99 {self.pct(0.99):6.1f} ms"
            f"   errors {self.errors}"
        )


async def _worker(port: int, path: str, body: bytes, headers: dict[str, str], until: float, out: LoadResult) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{head}\r\n"
    ).encode() + body
    while time.perf_counter() < until:
        started = time.perf_counter()
        writer.write(request)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        out.latencies.append(time.perf_counter() - started)
        out.requests += 1
        if not status_line.startswith(b"HTTP/1.1 2"):
            out.errors += 1
    writer.close()


async def drive(
    port: int,
    path: str,
    payload: dict,
    headers: dict[str, str] | list[dict[str, str]],
    *,
    concurrency: int,
    seconds: float,
) -> LoadResult:
    """Run `concurrency` keep-alive connections against 127.0.0.1:port for `seconds` (headers per connection
    when a list is given, cycled)."""
    out = LoadResult(0, 0, 0.0, [])
    body = json.dumps(payload).encode()
    per_connection = headers if isinstance(headers, list) else [headers]
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(_worker(port, path, body, per_connection[i % len(per_connection)], until, out) for i in range(concurrency))
    )
    out.seconds = time.perf_counter() - started
    return out


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f}"
