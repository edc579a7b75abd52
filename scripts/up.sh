#!/usr/bin/env bash
# Start every service under services/ in the background and wait until each answers /healthz, then follow
# their logs prefixed by service name until Ctrl-C, which stops them all (DETACH=1: return once healthy).
# Called by `make up`, which exports HELPDESK_ENV=dev and HELPDESK_JWT_SECRET first.
set -euo pipefail
. "$(dirname "$0")/_common.sh"
cd "$ROOT"

UP_TIMEOUT="${UP_TIMEOUT:-90}"
ROLE="${ROLE:-all}"
AMQP_URL="${HELPDESK_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}"
DATABASE_URL="${HELPDESK_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/}"
# Services bind 0.0.0.0 by default (right for containers); on a laptop keep them on loopback.
export HELPDESK_HOST="${HELPDESK_HOST:-127.0.0.1}"

command -v curl >/dev/null 2>&1 || die "curl is needed to wait for /healthz"

bin_dir="$(uv run --no-sync python -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"

# Fail early, in one line, when the broker or the database server is not reachable.
reachable() {
  uv run --no-sync python - "$1" "$2" <<'PY'
import socket, sys
from urllib.parse import urlsplit
url, default_port = sys.argv[1], int(sys.argv[2])
parts = urlsplit(url)
try:
    socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=3).close()
except OSError:
    sys.exit(1)
PY
}
redact() { printf '%s' "$1" | sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#'; }
docker_engine() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }
if ! { reachable "$AMQP_URL" 5672 && reachable "$DATABASE_URL" 5432; } && docker_engine; then
  echo "RabbitMQ or PostgreSQL not reachable: starting both with deploy/compose.yaml (make infra)"
  docker compose -f deploy/compose.yaml up -d --wait rabbitmq postgres >/dev/null
fi
reachable "$AMQP_URL" 5672 ||
  die "RabbitMQ not reachable at $(redact "$AMQP_URL"): start it ('rabbitmq-server -detached', or 'make infra' with Docker) or set HELPDESK_AMQP_URL"
reachable "$DATABASE_URL" 5432 ||
  die "PostgreSQL not reachable at $(redact "$DATABASE_URL"): start it ('pg_ctlcluster <version> main start', or 'make infra' with Docker) or set HELPDESK_DATABASE_URL"

# The whole event topology before any service takes traffic: no event is unrouted because its consumer
# has not started yet.
HELPDESK_AMQP_URL="$AMQP_URL" uv run --no-sync python -m helpdesk_servicekit.topology ||
  die "could not declare the event topology on $(redact "$AMQP_URL")"

mkdir -p "$PID_DIR" "$LOG_DIR"
services=()
while IFS= read -r svc; do services+=("$svc"); done < <(list_services)
[ "${#services[@]}" -gt 0 ] || die "no services found under services/*/pyproject.toml"

# Without a mail server of your own, a local catcher (aiosmtpd, a dev dependency) takes notify's email; each
# message it receives is printed in .local/logs/mail.log.
if [ -z "${HELPDESK_SMTP_URL:-}" ]; then
  MAIL_PORT="${MAIL_PORT:-1025}"
  export HELPDESK_SMTP_URL="smtp://127.0.0.1:$MAIL_PORT" HELPDESK_MAIL_FROM="${HELPDESK_MAIL_FROM:-helpdesk@example.test}"
  if [ -f "$PID_DIR/mail.pid" ] && pid_alive "$(cat "$PID_DIR/mail.pid")"; then
    echo "mail: already running (smtp://127.0.0.1:$MAIL_PORT)"
  else
    nohup "$bin_dir/python" -m aiosmtpd -n -l "127.0.0.1:$MAIL_PORT" >>"$LOG_DIR/mail.log" 2>&1 </dev/null &
    echo $! >"$PID_DIR/mail.pid"
    echo "mail: started (smtp://127.0.0.1:$MAIL_PORT, messages in .local/logs/mail.log)"
  fi
fi

for svc in "${services[@]}"; do
  pid_file="$PID_DIR/$svc.pid"
  if [ -f "$pid_file" ] && pid_alive "$(cat "$pid_file")"; then
    echo "$svc: already running (pid $(cat "$pid_file"))"
    continue
  fi
  exe="$bin_dir/helpdesk-$svc"
  [ -x "$exe" ] || die "$exe not found: is services/$svc installed? (run 'uv sync')"
  log="$LOG_DIR/$svc.log"
  printf '\n==== %s starting helpdesk-%s --role %s\n' "$(date -u +%FT%TZ)" "$svc" "$ROLE" >>"$log"
  nohup "$exe" --role "$ROLE" >>"$log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  echo "$svc: started (pid $!, log .local/logs/$svc.log)"
done

failed=0
for svc in "${services[@]}"; do
  port="$(service_port "$svc")"
  if [ -z "$port" ]; then
    echo "$svc: no known port (set HELPDESK_$(printf '%s' "$svc" | tr '[:lower:]-' '[:upper:]_')_PORT); not waiting" >&2
    continue
  fi
  pid="$(cat "$PID_DIR/$svc.pid")"
  deadline=$((SECONDS + UP_TIMEOUT))
  until http_ok "http://127.0.0.1:$port/readyz"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$svc: exited during start; last lines of .local/logs/$svc.log:" >&2
      # Only this start's lines: the log is appended to across runs.
      awk '/^==== /{out=""} {out=out $0 "\n"} END{printf "%s", out}' "$LOG_DIR/$svc.log" | tail -n 40 >&2 || true
      rm -f "$PID_DIR/$svc.pid"
      failed=1
      continue 2
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$svc: not ready (/readyz) on :$port after ${UP_TIMEOUT}s; see .local/logs/$svc.log" >&2
      failed=1
      continue 2
    fi
    sleep 0.5
  done
  echo "$svc: ready"
done

if [ "$failed" -ne 0 ]; then
  echo "some services did not start; 'make down' stops the others" >&2
  exit 1
fi

echo
printf '%-10s %-28s %s\n' SERVICE URL DOCS
for svc in "${services[@]}"; do
  port="$(service_port "$svc")"
  [ -n "$port" ] || continue
  printf '%-10s %-28s %s\n' "$svc" "http://127.0.0.1:$port" "http://127.0.0.1:$port/docs"
done
if [ -n "${DETACH:-}" ]; then
  cat <<MSG

logs: .local/logs/   tokens: make token ROLE=customer|agent|manager   demo: make demo   stop: make down
MSG
  exit 0
fi

cat <<MSG

Following the logs, prefixed by service (Ctrl-C stops every service; 'make up DETACH=1' returns instead).
In another terminal: make demo, make token ROLE=customer|agent|manager
MSG
followers=()
stop_all() {
  trap - INT TERM
  kill "${followers[@]}" 2>/dev/null || true
  echo
  "$ROOT/scripts/down.sh"
  exit 0
}
trap stop_all INT TERM
width=0
for svc in "${services[@]}"; do [ "${#svc}" -gt "$width" ] && width="${#svc}"; done
for svc in "${services[@]}"; do
  tail -n 0 -F "$LOG_DIR/$svc.log" 2>/dev/null | awk -v p="$(printf "%-${width}s |" "$svc")" '{print p, $0; fflush()}' &
  followers+=("$!")
done
wait
