"""`make demo`: seed a fresh merchant on the running system, then drive one ticket through its whole life.

    created -> articles suggested -> auto-assigned -> public reply (first response met) -> internal note (never
    shown to the customer) -> waiting on customer (SLA paused) -> customer reply -> SLA warning -> breach ->
    escalation to L2 and reassignment -> resolved -> survey email -> CSAT answered -> customer confirms -> closed

Talks plain HTTP to the six services `make up` started (ports 8101-8106, or HELPDESK_<SERVICE>_PORT), with dev
tokens signed by HELPDESK_JWT_SECRET or .local/dev-secret. Every step waits for its effect with a timeout; the
first step that does not happen in time ends the demo with a non-zero exit naming it. The steps themselves live
in tests/integration/journey.py, which the integration test runs over the in-process services.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from journey import Api, Journey, StepFailed, StepResult, Targets  # noqa: E402

from helpdesk_servicekit.devtoken import mint  # noqa: E402

PORTS = {"tickets": 8101, "sla": 8102, "routing": 8103, "knowledge": 8104, "feedback": 8105, "notify": 8106}
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class SpinnerProgress:
    """One line per step on stderr: a spinner with the running time while it waits (on a terminal), then a tick
    or a cross with the time it took and what happened."""

    def __init__(self, out: TextIO = sys.stderr) -> None:
        self.out = out
        self.live = out.isatty()
        self.label = ""
        self.what = ""
        self.started = 0.0
        self.task: asyncio.Task[None] | None = None

    def begin(self, number: int, total: int, phase: str, name: str) -> None:
        self.label = f"[{number:2}/{total}] {phase:6} {name:<44}"
        self.what, self.started = "", time.monotonic()
        if self.live and self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._spin())

    def waiting(self, what: str) -> None:
        self.what = what

    def end(self, result: StepResult, total: int) -> None:
        self._line(f"\u2714 {self.label}  {result.seconds:6.2f}s  {result.detail}")

    def fail(self, number: int, total: int, name: str, seconds: float, detail: str) -> None:
        self._line(f"\u2718 {self.label}  {seconds:6.2f}s  {detail}")

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    def _line(self, text: str) -> None:
        if self.live:
            self.out.write("\r\033[K")
        self.out.write(text + "\n")
        self.out.flush()
        self.label = ""

    async def _spin(self) -> None:
        for frame in itertools.cycle(SPINNER):
            if self.label:
                waited = time.monotonic() - self.started
                waiting = f"  waiting for {self.what}" if self.what else ""
                self.out.write(f"\r\033[K{frame} {self.label}  {waited:6.1f}s{waiting}"[: self._width()])
                self.out.flush()
            await asyncio.sleep(0.1)

    @staticmethod
    def _width() -> int:
        try:
            return os.get_terminal_size(sys.stderr.fileno()).columns + 4  # the escape codes take no columns
        except OSError:
            return 200


def dev_secret() -> str:
    if secret := os.environ.get("HELPDESK_JWT_SECRET"):
        return secret
    path = ROOT / ".local" / "dev-secret"
    if not path.exists():
        raise SystemExit("demo: no dev secret (.local/dev-secret): run `make up DETACH=1` first")
    return path.read_text().strip()


def service_urls(host: str) -> dict[str, str]:
    ports = {name: os.environ.get(f"HELPDESK_{name.upper()}_PORT", str(port)) for name, port in PORTS.items()}
    return {name: f"http://{host}:{port}" for name, port in ports.items()}


async def check_running(clients: dict[str, httpx.AsyncClient]) -> None:
    for name, client in clients.items():
        try:
            response = await client.get("/readyz")
        except httpx.HTTPError as error:
            raise SystemExit(
                f"demo: {name} is not answering at {client.base_url} ({type(error).__name__}): run `make up DETACH=1`"
            ) from None
        if response.status_code != 200:
            detail = f"{response.status_code}: {response.text[:200]}"
            raise SystemExit(f"demo: {name} at {client.base_url} is not ready ({detail})")


def clock_time(value: str | None) -> str:
    return value[11:23] if value else "-"


def compact(value: Any) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def table(rows: list[list[str]], header: list[str], out: TextIO) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    widths[-1] = 0  # the last column runs on
    for i, row in enumerate([header, *rows]):
        out.write("  " + "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")
        if i == 0:
            out.write("  " + "  ".join("-" * (w or len(title)) for w, title in zip(widths, header, strict=True)) + "\n")


async def report(journey: Journey, out: TextIO) -> None:
    """The step times, then what a manager reads afterwards: the ticket's history and its SLA clocks."""
    results = journey.results
    out.write(f"\nSteps ({len(results)}, {sum(r.seconds for r in results):.1f}s in all)\n")
    table(
        [[str(r.number), r.phase, r.name, f"{r.seconds:.2f}s", r.detail] for r in results],
        ["#", "phase", "step", "time", "what happened"],
        out,
    )
    if journey.ticket_id is None:
        return
    history = await journey.history()
    out.write(f"\nHistory of ticket #{journey.ticket_number} ({len(history)} entries, oldest first)\n")
    rows = []
    for entry in history:
        actor = journey.who(entry["actor_id"])
        change = f"{compact(journey.label(entry['old_value']))} -> {compact(journey.label(entry['new_value']))}"
        rows.append([clock_time(entry["at"]), f"v{entry['ticket_version']}", actor, entry["field"], change])
    table(rows, ["at (UTC)", "ver", "by", "field", "change"], out)
    view = await journey.sla_view()
    if view is None:
        out.write("\nSLA clocks: none\n")
        return
    out.write(f"\nSLA clocks (policy v{view['policy_version']}, escalation level {view['escalation_level']})\n")
    rows = []
    for c in view["clocks"]:
        paused = sum(
            (datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])).total_seconds()
            for s in c["segments"]
            if s["kind"] == "paused" and s["end"]
        )
        within = {True: "yes", False: "no", None: "-"}[c["within_target"]]
        rows.append(
            [
                c["metric"],
                str(c["run"]),
                c["state"],
                f"{c['target_seconds']:g}s",
                f"{c['elapsed_business_seconds']:.1f}s",
                f"{paused:.1f}s",
                clock_time(c["started_at"]),
                clock_time(c["warned_at"]),
                clock_time(c["breached_at"]),
                clock_time(c["met_at"] or c["ended_at"]),
                within,
            ]
        )
    header = ["metric", "run", "state", "target", "used", "paused", "started", "warned", "breached", "ended"]
    table(rows, [*header, "in target"], out)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("HELPDESK_DEMO_HOST", "127.0.0.1"))
    parser.add_argument("--merchant", help="merchant id to seed (default: a new one per run)")
    parser.add_argument("--first-response", type=float, default=30.0, help="first-response target, seconds")
    parser.add_argument("--resolution", type=float, default=12.0, help="resolution target, seconds")
    parser.add_argument("--warn-at", type=float, default=50.0, help="warning at this %% of a target")
    parser.add_argument("--survey-delay", type=int, default=1, help="CSAT invitation delay, seconds")
    parser.add_argument("--timeout", type=float, default=30.0, help="how long a step may take, seconds")
    parser.add_argument(
        "--require-email-sent",
        action="store_true",
        help="the survey email must be sent, not only queued (when notify has HELPDESK_SMTP_URL)",
    )
    args = parser.parse_args()

    secret = dev_secret()
    audience = os.environ.get("HELPDESK_JWT_AUDIENCE", "helpdesk")
    merchant = args.merchant or f"demo-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"
    urls = service_urls(args.host)
    clients = {name: httpx.AsyncClient(base_url=url, timeout=15.0) for name, url in urls.items()}
    progress = SpinnerProgress()
    try:
        await check_running(clients)
        api = Api(
            **clients,
            mint=lambda sub, merchant_id, role, claims: mint(
                secret, sub=sub, merchant_id=merchant_id, role=role, audience=audience, **cast(dict[str, Any], claims)
            ),
        )
        targets = Targets(
            first_response=args.first_response,
            resolution=args.resolution,
            warn_at_percent=args.warn_at,
            survey_delay=args.survey_delay,
        )
        journey = Journey(
            api,
            merchant,
            targets=targets,
            progress=progress,
            step_timeout=args.timeout,
            require_email_sent=args.require_email_sent,
        )
        sys.stderr.write(f"Helpdesk demo: merchant {merchant} on {args.host} (tickets at {urls['tickets']})\n")
        try:
            await journey.run()
        except StepFailed as failed:
            progress.stop()
            await report(journey, sys.stdout)
            sys.stderr.write(f"\ndemo FAILED at step '{failed.step}': {failed.detail}\n")
            return 1
        progress.stop()
        await report(journey, sys.stdout)
        sys.stderr.write(f"\ndone: ticket #{journey.ticket_number} ({journey.ticket_id}) of merchant {merchant}\n")
        return 0
    finally:
        progress.stop()
        for client in clients.values():
            await client.aclose()


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(130)
