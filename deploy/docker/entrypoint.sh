#!/bin/sh
# Run helpdesk-<service>: the service is the first argument when it is not an option, else $SERVICE.
set -eu
case "${1:-}" in
  "" | -*) ;;
  *) SERVICE="$1"; shift ;;
esac
if [ -z "${SERVICE:-}" ]; then
  echo "helpdesk: name the service with SERVICE=<name> or as the first argument" >&2
  exit 64
fi
if ! command -v "helpdesk-$SERVICE" >/dev/null 2>&1; then
  echo "helpdesk: unknown service '$SERVICE'" >&2
  exit 64
fi
exec "helpdesk-$SERVICE" "$@"
