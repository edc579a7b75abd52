"""A steady stream of customers creating tickets, retrying a failed create as a real client does.

Each ticket has its own Idempotency-Key; a create that fails (connection refused or reset while tickets is down,
a 503 while its database restarts, a timeout) is sent again with the same key until it succeeds, so a create
whose answer was lost is never made twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

Headers = Callable[[int], dict[str, str]]


@dataclass
class CreateStats:
    created: dict[str, str] = field(default_factory=dict)  # idempotency key -> ticket id
    retried_requests: int = 0  # attempts that failed and were sent again with the same key
    retried_creates: int = 0  # creates that needed at least one retry
    failures: dict[str, int] = field(default_factory=dict)  # why attempts failed, by kind
    refused: list[str] = field(default_factory=list)  # answers that are no outage (a 4xx): a defect

    def failed(self, kind: str) -> None:
        self.failures[kind] = self.failures.get(kind, 0) + 1
        self.retried_requests += 1


class Creator:
    """Creates `rate` tickets a second while running; `pause()` waits for every create in flight to land."""

    def __init__(self, client: httpx.AsyncClient, customer: Headers, *, rate: float, concurrency: int = 24) -> None:
        self.client = client
        self.customer = customer
        self.rate = rate
        self.stats = CreateStats()
        self._gate = asyncio.Semaphore(concurrency)
        self._inflight: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._count = 0

    def start(self) -> None:
        assert self._runner is None
        self._runner = asyncio.create_task(self._run())

    async def pause(self) -> int:
        """Stop creating new tickets and wait until every create in flight succeeded; returns how many exist."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        if self._inflight:
            await asyncio.gather(*self._inflight)
        return len(self.stats.created)

    async def _run(self) -> None:
        started = time.monotonic()
        sent = 0
        while True:
            due = started + sent / self.rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            await self._gate.acquire()
            task = asyncio.create_task(self._create(self._count))
            self._count += 1
            sent += 1
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def _create(self, n: int) -> None:
        key = str(uuid.uuid4())
        body = {"subject": f"Order {n} arrived damaged", "description": "The box was crushed.", "priority": "high"}
        retried = False
        try:
            while True:
                try:
                    response = await self.client.post(
                        "/v1/tickets", json=body, headers=self.customer(n) | {"Idempotency-Key": key}, timeout=15
                    )
                except httpx.HTTPError as error:
                    self.stats.failed(type(error).__name__)
                else:
                    if response.status_code in (200, 201):
                        self.stats.created[key] = response.json()["id"]
                        return
                    if response.status_code < 500 and response.status_code not in (408, 409, 429):
                        self.stats.refused.append(f"{response.status_code}: {response.text[:300]}")
                        return
                    self.stats.failed(f"HTTP {response.status_code}")
                retried = True
                await asyncio.sleep(0.25)
        finally:
            if retried:
                self.stats.retried_creates += 1
            self._gate.release()
