"""The whole system for a benchmark run: the six services as subprocesses, as `make up` starts them (topology
declared first), each on a database of this run's own and all under this run's AMQP namespace; a seeded merchant
(24/7 calendar, SLA policy, groups, agents online); and the cleanup of every database, queue and exchange."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from helpdesk_contracts.topology import CONSUMES
from helpdesk_servicekit.broker import AmqpPublisher, Topology
from helpdesk_servicekit.devtoken import mint
from helpdesk_servicekit.topology import declare_all, delete_all

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from journey import Api, Journey, Targets  # noqa: E402

ADMIN = os.environ.get("HELPDESK_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("HELPDESK_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
SERVICES = ("tickets", "sla", "routing", "knowledge", "feedback", "notify")
# notify's own fan-out exchange for live frames (services/notify/README.md, "Live push across replicas").
LIVE_EXCHANGE = "helpdesk.live"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the server on `port` answers /healthz; exits the bench if it dies or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on {port} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on {port} never became healthy")


def db_url(name: str) -> str:
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


@dataclass
class System:
    run: str
    secret: str
    namespace: str
    log_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def queues(self) -> list[str]:
        topology = Topology(self.namespace)
        return [topology.consumer_queue(s, e) for s, types in CONSUMES.items() for e in types]

    def pid(self, service: str) -> int:
        return self.procs[service].pid


def _start(system: System, service: str, extra_env: dict[str, str]) -> None:
    exe = Path(sysconfig.get_path("scripts")) / f"helpdesk-{service}"
    upper = service.upper()
    env = os.environ | {
        "HELPDESK_ENV": "dev",
        "HELPDESK_JWT_SECRET": system.secret,
        "HELPDESK_AMQP_URL": AMQP,
        "HELPDESK_AMQP_NAMESPACE": system.namespace,
        "HELPDESK_HOST": "127.0.0.1",
        "HELPDESK_LOG_LEVEL": "WARNING",
        f"HELPDESK_{upper}_PORT": str(system.ports[service]),
        f"HELPDESK_{upper}_DATABASE_URL": db_url(system.databases[service]),
    }
    env.pop("HELPDESK_SMTP_URL", None)  # email rows are written and stay queued: no mail server in the bench
    log = open(system.log_dir / f"{service}.log", "ab")  # the child process keeps it open
    system.procs[service] = subprocess.Popen(
        [str(exe), "--role", "all"], env=env | extra_env, stdout=log, stderr=subprocess.STDOUT
    )


async def _wait_ready(system: System, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        for service, proc in system.procs.items():
            while True:
                if proc.poll() is not None:
                    tail = (system.log_dir / f"{service}.log").read_text()[-3000:]
                    raise SystemExit(f"{service} exited with {proc.returncode} during start:\n{tail}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{system.url(service)}/readyz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise SystemExit(f"{service} not ready after {timeout:.0f}s; see {system.log_dir}/{service}.log")
                await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def booted(extra_env: dict[str, str] | None = None) -> AsyncIterator[System]:
    """Start the six services on fresh databases under a fresh namespace; stop and remove everything after."""
    run = secrets.token_hex(3)
    log_dir = ROOT / ".local" / "bench" / f"e2e-{run}"
    log_dir.mkdir(parents=True, exist_ok=True)
    system = System(run, secrets.token_urlsafe(48), f"e2e{run}.", log_dir)
    for service in SERVICES:
        system.ports[service] = free_port()
        system.databases[service] = f"bench_e2e_{run}_{service}"
    publisher = AmqpPublisher(AMQP, Topology(system.namespace))
    try:
        await declare_all(publisher)  # as `make up` does, before any service starts
        await publisher.close()
        for service in SERVICES:
            _start(system, service, extra_env or {})
        await _wait_ready(system)
        yield system
    finally:
        for proc in system.procs.values():
            proc.terminate()
        for proc in system.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        await publisher.close()
        await _remove(system)


async def _remove(system: System) -> None:
    admin = await asyncpg.connect(ADMIN)
    try:
        for name in system.databases.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
    await delete_all(AMQP, system.namespace)


@dataclass
class Merchant:
    merchant_id: str
    agents: list[str]
    agent_tokens: dict[str, str]
    customer_headers: list[dict[str, str]]


async def seed(system: System, *, agents: int, capacity: int, customers: int) -> Merchant:
    """A merchant with a 24/7 calendar, an SLA policy for high priority (long targets: no warning or breach
    during the run), groups L1-L3 (L1 the default) and `agents` L1 agents online, each taking `capacity` tickets."""
    merchant_id = f"m-e2e-{system.run}"

    def minter(sub: str, merchant: str, role: str, claims: dict[str, str]) -> str:
        return mint(system.secret, sub=sub, merchant_id=merchant, role=role, ttl=6 * 3600, **claims)

    clients = {s: httpx.AsyncClient(base_url=system.url(s), timeout=30) for s in SERVICES}
    try:
        journey = Journey(
            Api(**clients, mint=minter), merchant_id, targets=Targets(first_response=3600.0, resolution=86400.0)
        )
        await journey.seed_calendar()
        await journey.seed_policy()
        await journey.seed_groups()
        names = [f"agent-{i:03d}" for i in range(agents)]
        tokens: dict[str, str] = {}
        for name in names:
            await journey.call(
                "routing",
                "POST",
                "/v1/agents",
                journey.manager,
                json_body={
                    "user_id": name,
                    "name": name,
                    "email": f"{name}@{merchant_id}.example.com",
                    "tier": 1,
                    "group_ids": [journey.groups[1]],
                    "max_concurrent_tickets": capacity,
                },
            )
            tokens[name] = minter(name, merchant_id, "agent", {})
            await _online(clients["routing"], tokens[name])
    finally:
        for client in clients.values():
            await client.aclose()
    customer_headers = [
        {"Authorization": f"Bearer {minter(f'cust-{i}', merchant_id, 'customer', {'email': f'c{i}@example.com'})}"}
        for i in range(customers)
    ]
    return Merchant(merchant_id, names, tokens, customer_headers)


async def _online(routing: httpx.AsyncClient, token: str) -> Any:
    response = await routing.put(
        "/v1/agents/me/status", json={"status": "online"}, headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return response.json()
