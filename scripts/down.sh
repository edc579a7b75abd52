#!/usr/bin/env bash
# Stop the services that `make up` started (pid files in .local/pids).
set -euo pipefail
. "$(dirname "$0")/_common.sh"

STOP_TIMEOUT="${STOP_TIMEOUT:-15}"
shopt -s nullglob
pid_files=("$PID_DIR"/*.pid)
if [ "${#pid_files[@]}" -eq 0 ]; then
  echo "nothing to stop"
  exit 0
fi

for pid_file in "${pid_files[@]}"; do
  svc="$(basename "$pid_file" .pid)"
  pid="$(cat "$pid_file")"
  if ! pid_alive "$pid"; then
    echo "$svc: not running"
    rm -f "$pid_file"
    continue
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$svc: did not stop in ${STOP_TIMEOUT}s, killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
  echo "$svc: stopped"
done
