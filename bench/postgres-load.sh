#!/usr/bin/env bash
# The check-in load of bench/checkin-load.sh (same wrk script, connections,
# threads and duration) on three set-ups in one run, so their figures can be
# compared:
#
#   1. SQLite (the embedded default),
#   2. PostgreSQL, one instance,
#   3. PostgreSQL, two instances on the same database, wrk spread over both.
#
# PostgreSQL is Debian's (package postgresql): a fresh cluster in a temporary
# directory on a free port, run as the unprivileged postgres user when this
# runs as root, fsync and synchronous_commit on (every check-in is
# acknowledged only once PostgreSQL has made it durable), stopped at the end.
# Everything runs on this machine: the servers, PostgreSQL and wrk share
# its cores. Each set-up ends with the export and the offline verification
# of its list, and the server's count checked against wrk's.
#
# Usage:   bench/postgres-load.sh               (DURATION=10s by default)
# Environment: DURATION, CONNECTIONS, THREADS (as checkin-load.sh),
#              ROLLCALL_BIN=PATH (else a release build).
set -euo pipefail

DURATION=${DURATION:-10s}
export DURATION CONNECTIONS THREADS
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s ==\n' "$*"; }
die() { printf 'postgres-load: %s\n' "$*" >&2; exit 1; }

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -n "$PGBIN" && -x "$PGBIN/postgres" ]] || die "no PostgreSQL server: install Debian's postgresql package"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rollcall-pgbench.XXXXXX")
PG_PID=""
# PostgreSQL refuses to run as root: as the postgres user then (setpriv
# execs, so $! is the server's own pid).
RUNAS=()
[[ $(id -u) -ne 0 ]] || RUNAS=(setpriv --reuid=postgres --regid=postgres --clear-groups)
cleanup() {
  local status=$?
  if [[ -n "$PG_PID" ]] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PG_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

if [[ -n "${ROLLCALL_BIN:-}" ]]; then
  BIN=$ROLLCALL_BIN
else
  step "build (cargo build --release)"
  (cd "$ROOT" && timeout "${BUILD_TIMEOUT:-1800}" cargo build --release --quiet)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rollcall"
fi
cp "$BIN" "$WORK/rollcall"
export ROLLCALL_BIN="$WORK/rollcall"

step "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') in $WORK/pg"
mkdir -p "$WORK/pg"
[[ $(id -u) -ne 0 ]] || { chmod 755 "$WORK"; chown postgres:postgres "$WORK/pg"; }
"${RUNAS[@]}" "$PGBIN/initdb" -D "$WORK/pg/data" -A trust -U postgres -E UTF8 --no-sync >/dev/null
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${RUNAS[@]}" "$PGBIN/postgres" -D "$WORK/pg/data" -p "$PORT" -k "$WORK/pg" \
  -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on -c synchronous_commit=on \
  >"$WORK/pg/log" 2>&1 &
PG_PID=$!
for _ in $(seq 1 300); do
  "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -c 'SELECT 1' postgres >/dev/null 2>&1 && break
  kill -0 "$PG_PID" 2>/dev/null || { cat "$WORK/pg/log" >&2; die "PostgreSQL did not start"; }
  sleep 0.1
done
for db in one two; do
  "$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -c "CREATE DATABASE $db" postgres
done

run() {
  local name=$1; shift
  step "$name"
  env "$@" timeout 1800 bash "$ROOT/bench/checkin-load.sh" | tee "$WORK/$name.out" | sed -n '/^== summary/,$p'
  grep -q '^all checks passed' "$WORK/$name.out" || die "$name: checks failed"
}
run sqlite
run postgres-1 ROLLCALL_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/one"
run postgres-2 ROLLCALL_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/two" INSTANCES=2

# The check-ins line of each summary: rate, p50, p99.
line() { sed -n '/^== summary/,$p' "$WORK/$1.out" | grep '^  checkins ' | head -n 1; }
rate() { line "$1" | awk '{print $2}'; }
lat() { line "$1" | awk -v k="$2" '{ for (i = 1; i <= NF; i++) if ($i == k) print $(i + 1) }'; }
errors() { line "$1" | awk '{ for (i = 1; i <= NF; i++) if ($i == "non-2xx") print $(i + 1) }'; }

step "summary ($DURATION per run, same wrk load, $(nproc) CPUs shared by the servers, PostgreSQL and wrk)"
printf '  %-24s %12s %10s %10s %8s %14s\n' set-up check-ins/s p50-ms p99-ms non-2xx ratio-to-SQLite
base=$(rate sqlite)
for name in sqlite postgres-1 postgres-2; do
  printf '  %-24s %12s %10s %10s %8s %14s\n' "$name" "$(rate "$name")" "$(lat "$name" p50)" \
    "$(lat "$name" p99)" "$(errors "$name")" \
    "$(awk -v a="$(rate "$name")" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
done
say "  each: recorded = verified (see its section above)"
