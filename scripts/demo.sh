#!/usr/bin/env bash
# Drive one ticket through its whole life against the services `make up` started, and show it.
#   customer opens -> reads it -> agent replies publicly -> in_progress -> resolved
#   -> customer confirms (closed) -> ticket and its SLA clocks are printed.
set -euo pipefail
. "$(dirname "$0")/_common.sh"
cd "$ROOT"

TICKETS_URL="${TICKETS_URL:-http://127.0.0.1:$(service_port tickets)}"
SLA_URL="${SLA_URL:-http://127.0.0.1:$(service_port sla)}"
MERCHANT="${MERCHANT:-m1}"
SLA_WAIT="${SLA_WAIT:-15}"

command -v curl >/dev/null 2>&1 || die "curl is required"
http_ok "$TICKETS_URL/healthz" || die "tickets is not answering at $TICKETS_URL (run 'make up' first)"
http_ok "$SLA_URL/healthz" || die "sla is not answering at $SLA_URL (run 'make up' first)"

# Show the problem+json body of a failed call when this curl can; else plain -f.
if curl --help all 2>/dev/null | grep -q -- '--fail-with-body'; then
  CURL_FAIL=(--fail-with-body)
else
  CURL_FAIL=(-f)
fi

if command -v jq >/dev/null 2>&1; then
  pretty() { jq .; }
  field() { jq -r --arg k "$1" '.[$k] // empty'; }
else
  pretty() { uv run --no-sync python -m json.tool; }
  field() { uv run --no-sync python -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"; }
fi

step() { printf '\n== %s\n' "$*" >&2; }

# call METHOD PATH_URL TOKEN [JSON_BODY] -> response body on stdout; exits loudly on any HTTP error.
call() {
  local method="$1" url="$2" token="$3" body="${4:-}" out
  local args=(-sS "${CURL_FAIL[@]}" -X "$method" -H "Authorization: Bearer $token" -H 'Accept: application/json')
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
  if ! out="$(curl "${args[@]}" "$url")"; then
    printf 'FAILED: %s %s\n%s\n' "$method" "$url" "$out" >&2
    exit 1
  fi
  printf '%s' "$out"
}

mint() {
  ./scripts/dev-secret.sh
  uv run --no-sync python -m helpdesk_servicekit.devtoken --role "$1" --merchant "$MERCHANT" --sub "$2"
}

step "minting dev tokens for merchant $MERCHANT"
customer="$(mint customer demo-customer)"
agent="$(mint agent demo-agent)"
manager="$(mint manager demo-manager)"

step "manager makes sure an SLA policy covers normal tickets (1 h first response, 1 day resolution)"
policies="$(call GET "$SLA_URL/v1/sla/policies" "$manager")"
if printf '%s' "$policies" | grep -q '"priority": *"normal"'; then
  echo "a policy for normal tickets exists" >&2
else
  call POST "$SLA_URL/v1/sla/policies" "$manager" \
    '{"name":"Normal tickets","priority":"normal","first_response_seconds":3600,"resolution_seconds":86400,"warn_at_percent":80,"escalation":[{"level":2,"after_breach_seconds":0}]}' | pretty
fi

step "customer opens a ticket"
created="$(call POST "$TICKETS_URL/v1/tickets" "$customer" \
  '{"subject":"Order #A-1001 arrived damaged","description":"The box was crushed and the mug inside is broken.","priority":"normal"}')"
printf '%s' "$created" | pretty
id="$(printf '%s' "$created" | field id)"
[ -n "$id" ] || die "the create response carried no id"

step "customer reads ticket $id back"
call GET "$TICKETS_URL/v1/tickets/$id" "$customer" | pretty

step "agent replies publicly"
call POST "$TICKETS_URL/v1/tickets/$id/messages" "$agent" \
  '{"body":"Sorry about that! A replacement is on its way.","visibility":"public"}' | pretty

step "agent starts work (in_progress)"
status="$(call GET "$TICKETS_URL/v1/tickets/$id" "$agent" | field status)"
if [ "$status" = "in_progress" ]; then
  echo "already in_progress (the agent's reply moved it)" >&2
else
  call POST "$TICKETS_URL/v1/tickets/$id/status" "$agent" '{"status":"in_progress"}' | pretty
fi

step "agent resolves"
call POST "$TICKETS_URL/v1/tickets/$id/status" "$agent" '{"status":"resolved"}' | pretty

step "customer confirms the resolution"
call POST "$TICKETS_URL/v1/tickets/$id/resolution" "$customer" '{"accepted":true}' | pretty

step "the ticket, finally"
call GET "$TICKETS_URL/v1/tickets/$id" "$agent" | pretty

# sla learns about the ticket from events, so its view may trail the tickets service by a moment.
step "its SLA clocks"
deadline=$((SECONDS + SLA_WAIT))
until http_ok "$SLA_URL/v1/sla/tickets/$id" -H "Authorization: Bearer $agent" || [ "$SECONDS" -ge "$deadline" ]; do
  sleep 0.5
done
call GET "$SLA_URL/v1/sla/tickets/$id" "$agent" | pretty
printf '\ndone: ticket %s\n' "$id" >&2
