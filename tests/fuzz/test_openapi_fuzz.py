"""Each service's OpenAPI fuzzed by schemathesis over real HTTP, with a token of each role and of another
merchant: no input gives a 5xx (the service runs as `make up` runs it, on real PostgreSQL and RabbitMQ)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from helpdesk_contracts.topology import CONSUMES
from helpdesk_servicekit.broker import DECLARED_EXCHANGES, DECLARED_QUEUES, Topology
from helpdesk_servicekit.devtoken import mint
from helpdesk_servicekit.testing.plugin import TEST_JWT_SECRET

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.parent.parent.parent.name for p in ROOT.glob("services/*/src/helpdesk_*/main.py"))
BIN = Path(sysconfig.get_path("scripts"))
# Seconds of fuzzing per service and role; raise with HELPDESK_TEST_FUZZ_SECONDS for a longer hunt.
FUZZ_SECONDS = int(os.environ.get("HELPDESK_TEST_FUZZ_SECONDS", "8"))
ROLES = {
    "customer": ("cust-fuzz", "m-fuzz", "customer"),
    "agent": ("agent-fuzz", "m-fuzz", "agent"),
    "manager": ("mgr-fuzz", "m-fuzz", "manager"),
    "other-merchant": ("mgr-other", "m-other", "manager"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(service: str, database_url: str, amqp_url: str, namespace: str) -> Iterator[str]:
    """The service's console script on a free port; yields its base URL."""
    port = _free_port()
    prefix = f"HELPDESK_{service.upper()}_"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")} | {
        "HELPDESK_ENV": "test",
        "HELPDESK_JWT_SECRET": TEST_JWT_SECRET,
        "HELPDESK_AMQP_URL": amqp_url,
        "HELPDESK_AMQP_NAMESPACE": namespace,
        "HELPDESK_AMQP_DECLARE_TOPOLOGY": "false",
        "HELPDESK_HOST": "127.0.0.1",
        "HELPDESK_LOG_JSON": "false",
        "HELPDESK_LOG_LEVEL": "WARNING",
        prefix + "DATABASE_URL": database_url,
        prefix + "PORT": str(port),
    }
    process = subprocess.Popen(
        [str(BIN / f"helpdesk-{service}"), "--role", "all"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            assert process.poll() is None, f"{service} exited: {process.stdout.read() if process.stdout else ''}"
            assert time.monotonic() < deadline, f"{service} did not answer /healthz in 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if "Traceback" in (output or "") and "unhandled error" in (output or ""):
            sys.stderr.write(output)


def forget_later(namespace: str, service: str) -> None:
    """The service process declares its queues and exchanges itself; name them to the test run, which deletes
    everything it declared under its namespace when it ends (else every run would leave them on the broker)."""
    topology = Topology(namespace)
    DECLARED_QUEUES.update(topology.consumer_queue(service, event) for event in CONSUMES.get(service, ()))
    DECLARED_QUEUES.update({topology.dead_queue(service), topology.unrouted_exchange})
    DECLARED_EXCHANGES.update(
        {topology.events_exchange, topology.dead_exchange, topology.unrouted_exchange, f"{namespace}helpdesk.live"}
    )


def fuzz(base: str, token: str, report: Path) -> subprocess.Popen[str]:
    """schemathesis against the running service with one role's token (the roles run side by side)."""
    return subprocess.Popen(
        [
            str(BIN / "schemathesis"),
            "run",
            f"{base}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-time",
            str(FUZZ_SECONDS),
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--no-color",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("service", SERVICES)
async def test_no_input_from_any_role_gives_a_server_error(
    service: str,
    database_factory: Callable[[str], Awaitable[str]],
    amqp_url: str,
    amqp_run_namespace: str,
    tmp_path: Path,
) -> None:
    database_url = await database_factory(f"fuzz_{service}")
    namespace = f"{amqp_run_namespace}fuzz.{service}."
    forget_later(namespace, service)
    with serving(service, database_url, amqp_url, namespace) as base:
        runs = {
            role: fuzz(base, mint(TEST_JWT_SECRET, sub=sub, merchant_id=merchant, role=name), tmp_path / f"{role}.xml")
            for role, (sub, merchant, name) in ROLES.items()
        }
        failures = []
        for role, run in runs.items():
            stdout, stderr = run.communicate(timeout=FUZZ_SECONDS * 10 + 120)
            if run.returncode != 0:
                failures.append(f"--- {service} as {role}:\n{stdout[-6000:]}\n{stderr[-2000:]}")
        if os.environ.get("HELPDESK_TEST_FUZZ_VERBOSE"):
            sys.stderr.write(stdout)
    assert not failures, "\n".join(failures)
