"""Fault injection under load: the suite's own PostgreSQL and RabbitMQ, the six services as real processes.

These tests restart servers and kill processes for minutes, so they run only when asked for: with `-m faults`
(as `make test-faults` does) or with HELPDESK_TEST_FAULTS=1. Otherwise they are deselected, so `make test` never
starts them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpdesk_servicekit.testing.helpers import Mailbox, smtp_server

from .infra import (
    PG_BIN,
    RABBIT_SBIN,
    SERVICES,
    PrivatePostgres,
    PrivateRabbit,
    ServiceProcess,
    declare_topology,
    service_env,
)

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: fault injection under load (only with -m faults or HELPDESK_TEST_FAULTS=1)"
    )


def _asked_for(config: pytest.Config) -> bool:
    return os.environ.get("HELPDESK_TEST_FAULTS") == "1" or "faults" in (config.getoption("markexpr", "") or "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ours = [item for item in items if HERE in Path(str(item.fspath)).resolve().parents]
    for item in ours:
        item.add_marker(pytest.mark.faults)
    if ours and not _asked_for(config):
        config.hook.pytest_deselected(items=ours)
        items[:] = [item for item in items if item not in ours]


def _require(path: Path, variable: str) -> None:
    if not path.exists():
        pytest.fail(f"{path} not found: the fault suite starts its own servers; set {variable} to its directory")


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of the suite's own (never the shared one): restarting it disturbs nobody else."""
    _require(PG_BIN / "initdb", "HELPDESK_TEST_FAULTS_PG_BIN")
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="helpdesk-faults-pg-")))
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def private_rabbit() -> Iterator[PrivateRabbit]:
    """A RabbitMQ node of the suite's own; its queues go with it when it is removed."""
    _require(RABBIT_SBIN / "rabbitmq-server", "HELPDESK_TEST_FAULTS_RABBIT_SBIN")
    node = PrivateRabbit(Path(tempfile.mkdtemp(prefix="helpdesk-faults-rmq-")))
    try:
        node.init()
        node.start()
        yield node
    finally:
        node.remove()


@pytest.fixture(scope="session")
def mail() -> Iterator[tuple[str, Mailbox]]:
    with smtp_server() as (url, mailbox):
        yield url, mailbox


@dataclass
class Processes:
    services: dict[str, ServiceProcess]
    logs: Path

    def url(self, service: str) -> str:
        return self.services[service].base_url


@pytest.fixture(scope="session")
def processes(
    private_postgres: PrivatePostgres,
    private_rabbit: PrivateRabbit,
    mail: tuple[str, Mailbox],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Processes]:
    """The six services started as `make up` starts them (topology first), stopped at the end whatever happens."""
    logs = tmp_path_factory.mktemp("service-logs")
    declare_topology(private_rabbit.url)
    env = service_env(private_postgres.url, private_rabbit.url, mail[0])
    started = {name: ServiceProcess(name, env, logs / f"{name}.log") for name in SERVICES}
    try:
        for service in started.values():
            service.start()
        for service in started.values():
            service.wait_ready()
        yield Processes(started, logs)
    finally:
        for service in started.values():
            with contextlib.suppress(Exception):
                service.stop()
