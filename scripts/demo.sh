#!/usr/bin/env bash
# `make demo`: drive one ticket through its whole life against the services `make up` started (scripts/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec uv run --no-sync python scripts/demo.py "$@"
