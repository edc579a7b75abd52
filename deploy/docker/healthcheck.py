#!/usr/bin/env python3
"""Docker HEALTHCHECK: GET /healthz of whichever helpdesk service is PID 1."""

import os
import re
import sys
import urllib.request

DEFAULT_PORTS = {
    "tickets": 8101,
    "sla": 8102,
    "routing": 8103,
    "knowledge": 8104,
    "feedback": 8105,
    "notify": 8106,
}


def running_service() -> str:
    """The service this container runs: PID 1 (the entrypoint execs helpdesk-<name>), else $SERVICE."""
    pids = ["1", *sorted(p for p in os.listdir("/proc") if p.isdigit() and p != "1")]
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:
            continue
        match = re.search(r"/helpdesk-([a-z][a-z0-9_-]*)\x00", cmdline + "\x00")
        if match and match.group(1) not in {"entrypoint", "healthcheck"}:
            return match.group(1)
    return os.environ.get("SERVICE", "")


def main() -> int:
    service = running_service()
    env_name = f"HELPDESK_{service.upper().replace('-', '_')}_PORT"
    port = os.environ.get(env_name) or DEFAULT_PORTS.get(service)
    if not port:
        print(f"unknown port for service {service!r}", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
