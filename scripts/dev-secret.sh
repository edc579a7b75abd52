#!/usr/bin/env bash
# Create .local/dev-secret (the dev HS256 JWT secret) once; never overwrite it.
set -euo pipefail
. "$(dirname "$0")/_common.sh"

secret_file="$LOCAL_DIR/dev-secret"
[ -s "$secret_file" ] && exit 0

mkdir -p "$LOCAL_DIR"
python_bin="$(command -v python3 || command -v python || true)"
[ -n "$python_bin" ] || die "python3 is needed to generate the dev secret"
(
  umask 077
  "$python_bin" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$secret_file.tmp"
)
mv "$secret_file.tmp" "$secret_file"
echo "created $secret_file (dev only; untracked)" >&2
