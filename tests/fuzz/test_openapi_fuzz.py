"""Each service's OpenAPI fuzzed by schemathesis over real HTTP (the service runs as `make up` runs it, on real
PostgreSQL and RabbitMQ), statefully: operations chain through the ids earlier responses returned.

First another merchant's manager and customer fill the service with data of their own; then a customer, an agent
and a manager of the merchant under test fuzz it side by side. Every response must be documented (status code,
content type, body schema and headers), none may be a 5xx, and none of the second merchant's may show the first
merchant's ids (`hooks.tenant_isolation`, which also asks for the other merchant's objects by their real ids).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from helpdesk_contracts.topology import CONSUMES
from helpdesk_servicekit.broker import DECLARED_EXCHANGES, DECLARED_QUEUES, Topology
from helpdesk_servicekit.devtoken import mint
from helpdesk_servicekit.testing.plugin import TEST_JWT_SECRET

ROOT = Path(__file__).resolve().parents[2]
HOOKS = Path(__file__).with_name("hooks.py")
SERVICES = sorted(p.parent.parent.parent.name for p in ROOT.glob("services/*/src/helpdesk_*/main.py"))
BIN = Path(sysconfig.get_path("scripts"))
# Test cases per operation and phase; raise HELPDESK_TEST_FUZZ_EXAMPLES for a longer hunt. The coverage phase
# (about a thousand boundary cases per run, a minute on a busy machine) is opt-in: HELPDESK_TEST_FUZZ_PHASES.
EXAMPLES = int(os.environ.get("HELPDESK_TEST_FUZZ_EXAMPLES", "5"))
PHASES = os.environ.get("HELPDESK_TEST_FUZZ_PHASES", "examples,fuzzing,stateful")
OTHER_MERCHANT = {
    "other-manager": ("mgr-other", "m-other", "manager"),
    "other-customer": ("cust-other", "m-other", "customer"),
}
ROLES = {
    "customer": ("cust-fuzz", "m-fuzz", "customer"),
    "agent": ("agent-fuzz", "m-fuzz", "agent"),
    "manager": ("mgr-fuzz", "m-fuzz", "manager"),
}
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "missing_required_header",
    "ignored_auth",
]
# Operations that take an id in their path and must answer 2xx at least once in a service's runs: the stateful
# phase and the resource pool hand them ids that earlier responses returned (if these stop being reached, links
# broke). Each one's creating operation succeeds often enough with generated data (or a schema example) for the
# check to be steady; a ticket is not among them: a generated TicketCreate is valid about one time in ten.
DEEP = {
    "feedback": ["GET /v1/feature-requests/{request_id}"],
    "knowledge": ["GET /v1/articles/{article_id}", "GET /v1/kb/categories/{category_id}"],
    "notify": [],  # notifications come from events only: nothing to create through the API
    "routing": ["GET /v1/groups/{group_id}", "GET /v1/agents/{agent_id}"],
    "sla": ["GET /v1/sla/policies/{policy_id}"],
    "tickets": ["GET /v1/categories/{category_id}"],
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


def fuzz(base: str, token: str, calls: Path, foreign_ids: Path | None = None) -> subprocess.Popen[str]:
    """schemathesis (every phase, stateful last) against the running service with one caller's token."""
    env = os.environ | {"SCHEMATHESIS_HOOKS": str(HOOKS), "HELPDESK_FUZZ_CALLS": str(calls)}
    if foreign_ids is not None:
        env["HELPDESK_FUZZ_FOREIGN_IDS"] = str(foreign_ids)
    checks = CHECKS + (["tenant_isolation"] if foreign_ids is not None else [])
    return subprocess.Popen(
        [
            str(BIN / "schemathesis"),
            "run",
            f"{base}/openapi.json",
            "--checks",
            ",".join(checks),
            "--header",
            f"Authorization: Bearer {token}",
            "--phases",
            PHASES,
            "--max-examples",
            str(EXAMPLES),
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--no-color",
            "--warnings",
            "off",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=calls.parent,
    )


def run_side_by_side(
    service: str, base: str, callers: Mapping[str, tuple[str, str, str]], tmp_path: Path, foreign_ids: Path | None
) -> tuple[list[dict[str, object]], list[str]]:
    """Fuzz as each caller at once; every response they got, and a failure report per failed run."""
    tmp_path.mkdir()
    runs = {
        caller: fuzz(
            base,
            mint(TEST_JWT_SECRET, sub=sub, merchant_id=merchant, role=role),
            tmp_path / f"{caller}.jsonl",
            foreign_ids,
        )
        for caller, (sub, merchant, role) in callers.items()
    }
    failures, calls = [], []
    for caller, run in runs.items():
        stdout, stderr = run.communicate(timeout=EXAMPLES * 20 + 120)
        if run.returncode != 0:
            failures.append(f"--- {service} as {caller}:\n{_failure_block(stdout)}\n{stderr[-2000:]}")
        if os.environ.get("HELPDESK_TEST_FUZZ_VERBOSE"):
            sys.stderr.write(stdout)
        log = tmp_path / f"{caller}.jsonl"
        if log.exists():
            calls += [json.loads(line) | {"caller": caller} for line in log.read_text().splitlines()]
    return calls, failures


def statuses_by_operation(calls: list[dict[str, object]]) -> dict[str, Counter[int]]:
    table: dict[str, Counter[int]] = defaultdict(Counter)
    for call in calls:
        table[str(call["operation"])][int(str(call["status"]))] += 1
    return table


@pytest.mark.timeout(300)
@pytest.mark.parametrize("service", SERVICES)
async def test_every_response_is_documented_and_shows_only_the_callers_merchant(
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
        seeded, failures = run_side_by_side(service, base, OTHER_MERCHANT, tmp_path / "other", None)
        others_ids = {str(i) for call in seeded for i in call["ids"]}  # type: ignore[attr-defined]
        foreign = tmp_path / "others_ids.txt"
        foreign.write_text("".join(f"{i}\n" for i in sorted(others_ids)))
        calls, more = run_side_by_side(service, base, ROLES, tmp_path / "own", foreign)
        failures += more
    table = statuses_by_operation(seeded + calls)
    report = "\n".join(f"  {op}: {dict(sorted(codes.items()))}" for op, codes in sorted(table.items()))
    sys.stderr.write(f"{service}: {len(seeded) + len(calls)} responses over {len(table)} operations\n{report}\n")
    assert not failures, "\n".join(failures)

    reached = {str(call["operation"]) for call in seeded + calls if 200 <= int(str(call["status"])) < 300}
    assert not set(DEEP[service]) - reached, f"never answered 2xx (links or the resource pool broke):\n{report}"
    if DEEP[service]:
        assert others_ids, "the other merchant created nothing to hide"
        asked = [call for call in calls if call["foreign"]]
        assert asked, "no request asked for the other merchant's objects"


def _failure_block(stdout: str) -> str:
    """schemathesis's report with each request body cut short: a generated body can run to megabytes and hide
    the status code and the operation that failed."""
    lines = [line if len(line) <= 600 else line[:600] + f"… ({len(line)} chars)" for line in stdout.splitlines()]
    return "\n".join(lines)[-12000:]
