#!/usr/bin/env bash
# The API contract, held against a live server: Schemathesis (an independent
# OpenAPI test tool, pinned) reads docs/openapi.yaml and sends generated
# requests (examples, coverage, fuzzing and stateful sequences that follow
# the description's links: create → open → check in → receipt) to a real
# rollcall server on a free port with a fresh data directory. Every check is
# on: no server error, every status and body as described, valid requests
# accepted and invalid ones refused.
#
#   bash tests/contract/run.sh                 # MAX_EXAMPLES=30 per operation
#   MAX_EXAMPLES=10 bash tests/contract/run.sh
#
# Environment: ROLLCALL_BIN (use this binary instead of building one),
# SCHEMATHESIS (a schemathesis executable; otherwise a pinned one is
# installed in a temporary virtualenv), MAX_EXAMPLES (30), SECONDS_PER_RUN
# (600: the run is bounded).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
MAX_EXAMPLES=${MAX_EXAMPLES:-30}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-600}

if [ -z "${ROLLCALL_BIN:-}" ]; then
  cargo build --locked --quiet --bin rollcall
  ROLLCALL_BIN="$root/target/debug/rollcall"
fi

work="$(mktemp -d -t rollcall-contract.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ -z "${SCHEMATHESIS:-}" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
  SCHEMATHESIS="$work/venv/bin/schemathesis"
fi

export ROLLCALL_DATA="$work/data" ROLLCALL_KEYS="$work/keys"
printf '%s\n' 'correct horse battery staple' | "$ROLLCALL_BIN" user add contract@example.org --password-stdin >/dev/null
token="$("$ROLLCALL_BIN" token create --name contract-tests 2>/dev/null)"
# Rate limits are for people, not for a test tool sending thousands of requests.
"$ROLLCALL_BIN" serve --addr 127.0.0.1:0 --checkin-rate 100000000 >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^ *phones and browsers: *//p' "$work/server.out")"
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "contract: the server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "contract: the server printed no URL" >&2; exit 1; }
echo "rollcall at $url; $("$SCHEMATHESIS" --version)"

status=0
timeout "$SECONDS_PER_RUN" "$SCHEMATHESIS" --config-file "$here/schemathesis.toml" run docs/openapi.yaml \
  --url "$url" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --max-examples "$MAX_EXAMPLES" \
  --generation-deterministic \
  --no-color \
  --report junit --report-dir "$work/report" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines) ---" >&2
  tail -n 40 "$work/server.log" >&2
fi
exit "$status"
