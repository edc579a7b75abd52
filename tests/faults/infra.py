"""The fault suite's own PostgreSQL server, RabbitMQ node and six service processes, each restartable or killable.

Nothing here touches the machine's shared servers: the suite's PostgreSQL (initdb into a temporary directory) and
RabbitMQ (a second node with its own name, ports, Mnesia directory and Erlang cookie) are started, restarted and
removed by the suite alone. The services run as their console scripts (`helpdesk-<name> --role all`, as `make up`
starts them), so a kill -9 is a real one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from helpdesk_servicekit.testing.plugin import TEST_JWT_SECRET

PG_BIN = Path(os.environ.get("HELPDESK_TEST_FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
RABBIT_SBIN = Path(os.environ.get("HELPDESK_TEST_FAULTS_RABBIT_SBIN", "/usr/lib/rabbitmq/bin"))
BIN = Path(sysconfig.get_path("scripts"))
SERVICES = ("tickets", "sla", "routing", "knowledge", "feedback", "notify")


def free_port(avoid: Sequence[int] = ()) -> int:
    """A free loopback port whose +20000 neighbour (RabbitMQ's distribution port) is free as well."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 20000 < 65536 and port not in avoid:
            with contextlib.suppress(OSError), socket.socket() as other:
                other.bind(("127.0.0.1", port + 20000))
                return port


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills it if the test process dies without tearing down (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres account when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on its own port: `start`, `stop`, `restart`, `remove`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = free_port()

    @property
    def url(self) -> str:
        """The server URL the services get as HELPDESK_DATABASE_URL (each creates its own database there)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/"

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
        )

    def _ctl(self, *args: str) -> None:
        # fsync=off survives a crash of PostgreSQL (the OS keeps the writes); synchronous_commit=off would not: a
        # crash-restart then loses commits already acknowledged, and with them events whose delivery was acked.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off"
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    *args,
                ]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        """Immediate mode: every backend is killed without a checkpoint, as in a crash (recovery runs at start)."""
        self._ctl("-m", "immediate", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRabbit:
    """A second RabbitMQ node (own name, ports, Mnesia and cookie) that the suite may stop and start at will."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.node = f"faults{secrets.token_hex(3)}@localhost"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        return os.environ | {
            "HOME": str(self.root),  # its own .erlang.cookie, shared by rabbitmq-server and rabbitmqctl
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.port + 20000),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"),
            "RABBITMQ_PID_FILE": str(self.root / "rabbitmq.pid"),
        }

    def _ctl(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [str(RABBIT_SBIN / "rabbitmqctl"), "-n", self.node, *args],
            env=self._env(),
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "enabled_plugins").write_text("[].\n")
        (self.root / "rabbitmq.conf").write_text(f"listeners.tcp.default = {self.port}\nloopback_users = none\n")

    def start(self) -> None:
        subprocess.run(
            [str(RABBIT_SBIN / "rabbitmq-server"), "-detached"], env=self._env(), check=True, capture_output=True
        )
        self._ctl("wait", str(self.root / "rabbitmq.pid"), "--timeout", "90")

    def stop(self) -> None:
        self._ctl("stop", str(self.root / "rabbitmq.pid"))

    def remove(self) -> None:
        pid_file = self.root / "rabbitmq.pid"
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._ctl("stop", str(pid_file), timeout=60)
        if pid_file.exists():  # the node did not stop when asked: end that one process
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class ServiceProcess:
    """One service's console script on its own port, its output appended to a log file."""

    name: str
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = self.env | {f"HELPDESK_{self.name.upper()}_PORT": str(self.port)}
        with self.log.open("ab") as out:
            out.write(f"\n==== {time.strftime('%H:%M:%S')} starting {self.name}\n".encode())
            self.process = subprocess.Popen(
                [str(BIN / f"helpdesk-{self.name}"), "--role", "all"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def wait_ready(self, timeout: float = 120) -> None:
        """Until /readyz answers 200 (its database, the broker and its consumers are there)."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            assert self.process is not None and self.process.poll() is None, (
                f"{self.name} exited during start; see {self.log}"
            )
            assert time.monotonic() < deadline, f"{self.name} not ready within {timeout:g}s; see {self.log}"
            time.sleep(0.2)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def service_env(database_url: str, amqp_url: str, smtp_url: str) -> dict[str, str]:
    """What `make up` gives every service, pointed at the suite's own servers."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")} | {
        "HELPDESK_ENV": "dev",
        "HELPDESK_JWT_SECRET": TEST_JWT_SECRET,
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_AMQP_URL": amqp_url,
        "HELPDESK_AMQP_NAMESPACE": "",
        "HELPDESK_HOST": "127.0.0.1",
        "HELPDESK_SMTP_URL": smtp_url,
        "HELPDESK_MAIL_FROM": "helpdesk@faults.example",
        "HELPDESK_LOG_JSON": "false",
        "HELPDESK_LOG_LEVEL": "WARNING",
        "HELPDESK_DB_POOL_SIZE": "8",
        "HELPDESK_OUTBOX_POLL_SECONDS": "0.5",
    }


def declare_topology(amqp_url: str) -> None:
    """The whole event topology before any service starts, as `make up` does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")} | {"HELPDESK_AMQP_URL": amqp_url}
    subprocess.run(
        [str(BIN / "python"), "-m", "helpdesk_servicekit.topology"], env=env, check=True, capture_output=True
    )
