#!/usr/bin/env bash
# Browser tests: builds rollcall, starts a real server on a free port with a
# fresh data directory, runs the Node tests (headless Chromium through
# playwright-core, axe-core, Lighthouse) one file at a time, stops the server.
#
#   npm ci --prefix tests/browser     # once (no browser is downloaded)
#   bash tests/browser/run.sh         # all tests
#   bash tests/browser/run.sh attendee.test.mjs   # some of them
#
# Environment: CHROME_PATH (default /usr/bin/chromium), ROLLCALL_BIN (use this
# binary instead of building one), SCREENSHOTS (default docs/screenshots).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHROMEDRIVER_SKIP_DOWNLOAD=true
[ -x "$CHROME_PATH" ] || { echo "run.sh: no Chromium at $CHROME_PATH (apt-get install chromium, or set CHROME_PATH)" >&2; exit 2; }
[ -d "$here/node_modules/playwright-core" ] || { echo "run.sh: run 'npm ci' in tests/browser first" >&2; exit 2; }

if [ -z "${ROLLCALL_BIN:-}" ]; then
  cargo build --locked --quiet --bin rollcall
  ROLLCALL_BIN="$root/target/debug/rollcall"
fi
export ROLLCALL_BIN

work="$(mktemp -d -t rollcall-browser.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

export ROLLCALL_DATA="$work/data" ROLLCALL_KEYS="$work/keys"
export ROLLCALL_EMAIL="secretary@example.org"
export ROLLCALL_PASSWORD="correct horse battery staple"
printf '%s\n' "$ROLLCALL_PASSWORD" | "$ROLLCALL_BIN" user add "$ROLLCALL_EMAIL" --password-stdin >/dev/null
ROLLCALL_TOKEN="$("$ROLLCALL_BIN" token create --name browser-tests 2>/dev/null)"
export ROLLCALL_TOKEN
# The bundled Code with a link to a training programme, so that the agenda
# snippets and the public meeting page show it.
export ROLLCALL_TRAINING_URL="https://example.org/code-of-conduct/training"
"$ROLLCALL_BIN" code add "$root/codes/iso-code-of-conduct.md" --training-url "$ROLLCALL_TRAINING_URL" >/dev/null 2>&1

# Port 0: the server picks a free port and prints its URL.
"$ROLLCALL_BIN" serve --addr 127.0.0.1:0 >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
ROLLCALL_URL=""
for _ in $(seq 1 100); do
  ROLLCALL_URL="$(sed -n 's/^ *phones and browsers: *//p' "$work/server.out")"
  [ -n "$ROLLCALL_URL" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "run.sh: the server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$ROLLCALL_URL" ] || { echo "run.sh: the server printed no URL" >&2; exit 1; }
export ROLLCALL_URL
ROLLCALL_PUBLIC_KEY="$(sed -n 's/^ *auditors pin key: *//p' "$work/server.out")"
export ROLLCALL_PUBLIC_KEY
export ROLLCALL_WORK="$work"
export SCREENSHOTS="${SCREENSHOTS:-$root/docs/screenshots}"
mkdir -p "$SCREENSHOTS"
echo "rollcall at $ROLLCALL_URL (data in $work)"

cd "$here"
if [ $# -gt 0 ]; then files=("$@"); else files=(*.test.mjs); fi
# One file at a time: Lighthouse and the slow-network timing must not share
# the two cores with another browser.
status=0
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines) ---" >&2
  tail -n 40 "$work/server.log" >&2
fi
exit "$status"
