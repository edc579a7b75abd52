# Shared helpers for the dev scripts; sourced, never run.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$ROOT/.local"
PID_DIR="$LOCAL_DIR/pids"
LOG_DIR="$LOCAL_DIR/logs"

# Port a service listens on: HELPDESK_<NAME>_PORT if set, else the default from docs/architecture.md §1.
service_port() {
  local svc="$1" var default
  var="HELPDESK_$(printf '%s' "$svc" | tr '[:lower:]-' '[:upper:]_')_PORT"
  case "$svc" in
    tickets) default=8101 ;;
    sla) default=8102 ;;
    routing) default=8103 ;;
    knowledge) default=8104 ;;
    feedback) default=8105 ;;
    notify) default=8106 ;;
    *) default="" ;;
  esac
  printf '%s\n' "${!var:-$default}"
}

# Every service directory with a pyproject, in a stable order.
list_services() {
  local dir
  for dir in "$ROOT"/services/*/; do
    [ -f "$dir/pyproject.toml" ] && basename "$dir"
  done
}

# http_ok URL [curl args...]: true on a 2xx answer.
http_ok() {
  local url="$1"
  shift
  curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null
}

# True when the pid file names a live helpdesk process (guards against recycled pids).
pid_alive() {
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    ps -p "$pid" -o command= 2>/dev/null | grep -qE 'helpdesk-|aiosmtpd'
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
