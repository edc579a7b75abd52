"""A small keep-alive HTTP/1.1 load generator on raw asyncio streams (cheaper per request than httpx,
so on a 2-core machine more of the CPU goes to the server being measured)."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
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


class HttpPool:
    """Keep-alive HTTP/1.1 connections to 127.0.0.1:port, opened whenever none is idle, so an open-loop load
    never waits for a free connection (a slow server shows as latency, not as a slower send rate)."""

    def __init__(self, port: int, max_connections: int = 256) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0
        # Past this many requests in flight, later ones wait their turn (their latency still counts from their due
        # time, so the wait shows in the figures instead of being omitted).
        self._slots = asyncio.Semaphore(max_connections)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        async with self._slots:
            return await self._post(path, body, headers)

    async def _post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        while self.idle:  # the server may have closed an idle one (uvicorn's keep-alive timeout): try the next
            reader, writer = self.idle.pop()
            try:
                return await self._exchange(reader, writer, path, body, headers)
            except (OSError, asyncio.IncompleteReadError, IndexError):
                continue
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.opened += 1
        return await self._exchange(reader, writer, path, body, headers)

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        path: str,
        body: bytes,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(
            (
                f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{head}\r\n"
            ).encode()
            + body
        )
        try:
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            content = await reader.readexactly(length)
            status = int(status_line.split()[1])
        except (OSError, asyncio.IncompleteReadError, IndexError):
            writer.close()
            raise
        self.idle.append((reader, writer))
        return status, content

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


async def fixed_rate(rate: float, seconds: float, send: Callable[[int, float], Awaitable[None]]) -> float:
    """Open loop: call `send(i, due)` at `rate` per second for `seconds`, each at its own due time
    (`time.monotonic()`), never waiting for earlier calls to finish; returns when all have. Returns the start."""
    count = int(rate * seconds)
    started = time.monotonic()
    tasks: set[asyncio.Task[None]] = set()
    for i in range(count):
        due = started + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(send(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    return started


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`, NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")
