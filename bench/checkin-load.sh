#!/usr/bin/env bash
# Check-in throughput benchmark.
#
# Builds the release binary, starts `rollcall serve` on 127.0.0.1 (random free
# port, fresh temporary data and keys, --checkin-rate 100000000), creates an
# API token, creates and opens a meeting with static presence, then runs wrk:
#
#   1. baseline:  GET /healthz
#   2. check-ins: POST /api/v1/meetings/{id}/checkins, a new attendee per request
#                 (bench/checkin.lua)
#
# with 64 connections, 2 threads, --latency, for $DURATION each. It prints
# requests/s, p50/p99 latency and the non-2xx count of both runs and the ratio
# check-ins/healthz; then checks the server's count of recorded check-ins
# (GET /metrics) against the 201 responses wrk saw, closes the meeting, exports
# the bundle and verifies it offline with `rollcall verify` and the server key.
#
# wrk stops at the deadline without reading the answers to the requests it has
# in flight (up to one per connection); the server still records those. So the
# count check accepts recorded = 201s seen + some of the requests wrk sent but
# never saw answered (checkin.lua counts both), and says how many.
#
# Usage:   bench/checkin-load.sh            (DURATION=20s by default)
#          DURATION=10s bench/checkin-load.sh
# Environment: DURATION (wrk duration: 10s, 1m, ...), CONNECTIONS (64),
#              THREADS (2), KEEP=1 keeps the temporary directory,
#              ROLLCALL_BIN=PATH benchmarks that binary instead of building,
#              ROLLCALL_DATABASE_URL=postgres://… runs on that (empty)
#              PostgreSQL database instead of SQLite, and INSTANCES=2 then
#              starts a second instance on it: the check-ins are spread over
#              both (two wrk processes, half the connections each, run at
#              once; their rates add up, the p50 and p99 given are the
#              higher of the two) and /metrics is summed over both.
#              bench/postgres-load.sh runs all three in one run.
# Needs: cargo, curl, jq, wrk (installed with apt-get when missing and root).
# Everything listens on and talks to 127.0.0.1 only.
set -euo pipefail

DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
INSTANCES=${INSTANCES:-1}
[[ "$INSTANCES" == 1 || "$INSTANCES" == 2 ]] || die "INSTANCES must be 1 or 2"
if [[ "$INSTANCES" == 2 && "${ROLLCALL_DATABASE_URL:-}" != postgres* ]]; then
  die "INSTANCES=2 needs a shared database: set ROLLCALL_DATABASE_URL=postgres://…"
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LUA="$ROOT/bench/checkin.lua"

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s ==\n' "$*"; }
die() { printf 'checkin-load: %s\n' "$*" >&2; exit 1; }

# wrk durations ("20s", "2m", "1h", or bare seconds) as seconds, for timeouts.
seconds_of() {
  local d=$1
  case "$d" in
    *[0-9]s) echo "${d%s}" ;;
    *[0-9]m) echo $(( ${d%m} * 60 )) ;;
    *[0-9]h) echo $(( ${d%h} * 3600 )) ;;
    *[0-9]) echo "$d" ;;
    *) die "DURATION must look like 20s, 2m or 1h (got '$d')" ;;
  esac
}
RUN_SECONDS=$(seconds_of "$DURATION")
[[ "$RUN_SECONDS" =~ ^[0-9]+$ && "$RUN_SECONDS" -gt 0 ]] || die "DURATION must be a whole number of seconds, minutes or hours (got '$DURATION')"

# ---- tools ----------------------------------------------------------------

need=()
for tool in wrk curl jq; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    step "installing ${need[*]} (apt-get)"
    timeout 600 apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${need[@]}" >/dev/null
  else
    die "missing ${need[*]}; install them (Debian: apt-get install ${need[*]})"
  fi
fi
[[ -n "${ROLLCALL_BIN:-}" ]] || command -v cargo >/dev/null 2>&1 || die "cargo is needed to build rollcall"

# ---- temporary directory, server process, cleanup -------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rollcall-bench.XXXXXX")
SERVER_PID=""
SECOND_PID=""

stop_server() {
  local pid=$1
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    # Graceful shutdown finishes queued check-ins; do not wait forever.
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

cleanup() {
  local status=$?
  stop_server "$SECOND_PID"
  stop_server "$SERVER_PID"
  if [[ $status -ne 0 && -f "$WORK/server.log" ]]; then
    printf '\nlast lines of the server log:\n' >&2
    tail -n 20 "$WORK/server.log" >&2 || true
  fi
  if [[ "${KEEP:-0}" == 1 ]]; then
    printf 'kept %s\n' "$WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- build ----------------------------------------------------------------

if [[ -n "${ROLLCALL_BIN:-}" ]]; then
  step "binary given: $ROLLCALL_BIN (not building)"
  BIN=$ROLLCALL_BIN
else
  step "build (cargo build --release)"
  (cd "$ROOT" && timeout "${BUILD_TIMEOUT:-1800}" cargo build --release --quiet)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rollcall"
fi
[[ -x "$BIN" ]] || die "no binary at $BIN"
# Run a copy, so that a rebuild during the run cannot swap the binary midway.
cp "$BIN" "$WORK/rollcall"
BIN="$WORK/rollcall"
"$BIN" --version

# ---- server -----------------------------------------------------------------

DATA="$WORK/data"
KEYS="$WORK/keys"

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    local p
    while :; do
      p=$(( 20000 + RANDOM % 40000 ))
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
  fi
}

TOKEN=$("$BIN" token create --name bench --data "$DATA" 2>/dev/null)
[[ "$TOKEN" == rc_* ]] || die "rollcall token create printed no token"

step "server"
# Starts an instance on a free port, logging to $WORK/$1.log; sets
# STARTED_PID and STARTED_BASE. The port is free when chosen but could be
# taken before the server binds it: tries a few times.
start_instance() {
  local log="$WORK/$1.log" attempt port base pid up
  STARTED_PID="" STARTED_BASE=""
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    base="http://127.0.0.1:$port"
    "$BIN" serve --addr "127.0.0.1:$port" --public-url "$base" \
      --data "$DATA" --keys "$KEYS" --checkin-rate 100000000 \
      >"$log" 2>&1 &
    pid=$!
    up=0
    for _ in $(seq 1 200); do
      kill -0 "$pid" 2>/dev/null || break
      if curl -fsS --max-time 2 "$base/healthz" >/dev/null 2>&1; then up=1; break; fi
      sleep 0.1
    done
    if ((up)); then
      STARTED_PID=$pid STARTED_BASE=$base
      return
    fi
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    say "$1 did not start on port $port (attempt $attempt); retrying"
  done
}
start_instance server
SERVER_PID=$STARTED_PID BASE=$STARTED_BASE
[[ -n "$SERVER_PID" ]] || die "the server did not start; see the log above"
say "rollcall serve pid $SERVER_PID on $BASE (data and keys in $WORK)"
BASES=("$BASE")
if [[ "$INSTANCES" == 2 ]]; then
  start_instance server2
  SECOND_PID=$STARTED_PID BASE2=$STARTED_BASE
  [[ -n "$SECOND_PID" ]] || { tail -n 20 "$WORK/server2.log" >&2; die "the second instance did not start"; }
  BASES+=("$BASE2")
  say "second instance pid $SECOND_PID on $BASE2, same database and keys"
fi

KEY=$("$BIN" keys show --keys "$KEYS" 2>/dev/null)
say "server public key: $KEY"

# curl against the API: -f is not used so that error bodies are shown.
api() {
  local method=$1 path=$2; shift 2
  curl -sS --max-time 60 -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$BASE$path"
}

# ---- meeting ----------------------------------------------------------------

step "meeting"
# Scheduled around now, so no check-in is labelled outside the meeting time.
STARTS=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
ENDS=$(date -u -d "+$(( RUN_SECONDS * 2 + 3600 )) seconds" +%Y-%m-%dT%H:%M:%SZ)
NEW=$(jq -nc --arg s "$STARTS" --arg e "$ENDS" '{
  title: "Check-in load test", committee: "bench", location: "127.0.0.1",
  starts_at: $s, ends_at: $e, timezone: "UTC", presence: "static"}')
MEETING=$(api POST /api/v1/meetings -H 'Content-Type: application/json' -d "$NEW")
MEETING_ID=$(jq -r '.id // empty' <<<"$MEETING")
[[ -n "$MEETING_ID" ]] || die "creating the meeting failed: $MEETING"
CODE=$(jq -r .code_sha256 <<<"$MEETING")
OPENED=$(api POST "/api/v1/meetings/$MEETING_ID/open")
[[ $(jq -r '.state // empty' <<<"$OPENED") == open ]] || die "opening the meeting failed: $OPENED"
LINK=$(api GET "/api/v1/meetings/$MEETING_ID/checkin-link")
PRESENCE_TOKEN=$(jq -r '.token // empty' <<<"$LINK")
[[ -n "$PRESENCE_TOKEN" ]] || die "no check-in link: $LINK"
say "meeting $MEETING_ID open, presence \"static\": one token for the whole run"
say "(a rotating QR token changes every 30 s; static keeps the run free of token expiry)"

# ---- wrk runs -----------------------------------------------------------------

# Runs wrk and leaves its BENCH line (see checkin.lua) in the named file.
run_wrk() {
  local name=$1 url=$2; shift 2
  timeout $(( RUN_SECONDS + 120 )) \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 15s \
      -s "$LUA" "$url" -- "$@" >"$WORK/wrk-$name.txt" 2>&1 \
    || { cat "$WORK/wrk-$name.txt" >&2; die "wrk ($name) failed"; }
  grep '^BENCH ' "$WORK/wrk-$name.txt" >"$WORK/$name.bench" \
    || { cat "$WORK/wrk-$name.txt" >&2; die "wrk ($name) printed no BENCH line"; }
}

# The value of key=value in a BENCH line (0 when absent).
field() {
  local v
  v=$(tr ' ' '\n' <"$WORK/$1.bench" | sed -n "s/^$2=//p")
  echo "${v:-0}"
}

report() {
  printf '  %-10s %10s req/s   p50 %8s ms   p99 %8s ms   non-2xx %s   socket errors %s\n' \
    "$1" "$(field "$1" rps)" "$(field "$1" p50_ms)" "$(field "$1" p99_ms)" \
    "$(field "$1" non2xx)" "$(field "$1" socket_errors)"
}

step "baseline: GET /healthz, $CONNECTIONS connections, $THREADS threads, $DURATION"
run_wrk healthz "$BASE/healthz" baseline
report healthz

step "check-ins: POST /api/v1/meetings/$MEETING_ID/checkins, $CONNECTIONS connections, $THREADS threads, $DURATION, over $INSTANCES instance(s)"
if [[ "$INSTANCES" == 1 ]]; then
  run_wrk checkins "$BASE/api/v1/meetings/$MEETING_ID/checkins" "$PRESENCE_TOKEN" "$CODE"
else
  # Half the connections and threads on each instance, at the same time;
  # the run tags keep the attendees of the two wrk processes distinct.
  full_c=$CONNECTIONS full_t=$THREADS
  CONNECTIONS=$(( full_c / 2 )) THREADS=$(( full_t > 1 ? full_t / 2 : 1 ))
  run_wrk checkins-1 "$BASE/api/v1/meetings/$MEETING_ID/checkins" "$PRESENCE_TOKEN" "$CODE" one &
  w1=$!
  run_wrk checkins-2 "$BASE2/api/v1/meetings/$MEETING_ID/checkins" "$PRESENCE_TOKEN" "$CODE" two &
  w2=$!
  wait "$w1" || die "wrk on the first instance failed"
  wait "$w2" || die "wrk on the second instance failed"
  CONNECTIONS=$full_c THREADS=$full_t
  report checkins-1
  report checkins-2
  # One BENCH line for both: counts and rates add up, latencies are the
  # higher of the two.
  awk '
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); k = kv[1]; v = kv[2] + 0;
        if (k ~ /_ms$/) { if (v > m[k]) m[k] = v } else { m[k] += v } } }
    END { printf "BENCH"; for (k in m) printf " %s=%s", k, m[k]; printf "\n" }
  ' "$WORK/checkins-1.bench" "$WORK/checkins-2.bench" >"$WORK/checkins.bench"
fi
report checkins
say "  statuses:  $(tr ' ' '\n' <"$WORK/checkins.bench" | grep '^status_' | tr '\n' ' ')"

RATIO=$(awk -v a="$(field checkins rps)" -v b="$(field healthz rps)" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
say "  ratio check-ins / healthz: $RATIO"

# ---- what the server recorded ----------------------------------------------------

step "server count"
# Summed over the instances.
metric() {
  local base total=0 v
  for base in "${BASES[@]}"; do
    v=$(curl -sS --max-time 30 "$base/metrics" | awk -v m="$1" '$1 == m { print $2 }')
    total=$(( total + ${v:-0} ))
  done
  echo "$total"
}
# Requests wrk sent but whose answers it did not wait for at the deadline are
# still committed by the server: wait until its count stops moving.
RECORDED=$(metric 'rollcall_check_ins_total{outcome="recorded"}')
for _ in $(seq 1 50); do
  sleep 0.2
  now=$(metric 'rollcall_check_ins_total{outcome="recorded"}')
  [[ "$now" == "$RECORDED" ]] && break
  RECORDED=$now
done
EXISTING=$(metric 'rollcall_check_ins_total{outcome="existing"}')
REFUSED=$(metric 'rollcall_check_ins_total{outcome="refused"}')
FAILED=$(metric 'rollcall_check_ins_total{outcome="failed"}')
RATE_LIMITED=$(metric 'rollcall_rate_limited_total')
COMMITS=$(metric 'rollcall_commit_groups_total')
GROUPED=$(metric 'rollcall_committed_entries_total')

CREATED=$(field checkins status_201)
ANSWERED=$(field checkins requests)
SENT=$(field checkins sent)
UNANSWERED=$(( SENT > ANSWERED ? SENT - ANSWERED : 0 ))
say "  wrk: $CREATED responses 201 Created, of $ANSWERED answered; $UNANSWERED sent but cut off at the deadline"
say "  server: recorded $RECORDED, existing $EXISTING, refused $REFUSED, failed $FAILED, rate-limited $RATE_LIMITED"
COMMIT_LINE="commits: $COMMITS transactions, $(awk -v a="$GROUPED" -v b="$COMMITS" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }') entries each on average"
say "  $COMMIT_LINE"

problems=0
if [[ "$RECORDED" -eq "$CREATED" ]]; then
  say "  OK: the server recorded exactly the $CREATED check-ins wrk saw created"
elif [[ "$RECORDED" -gt "$CREATED" && "$RECORDED" -le $(( CREATED + UNANSWERED )) ]]; then
  say "  OK: recorded $RECORDED = $CREATED seen by wrk + $(( RECORDED - CREATED )) of the $UNANSWERED requests in flight when wrk stopped"
  say "      (wrk stops without reading the answers to requests already sent; the server commits them)"
else
  say "  MISMATCH: the server recorded $RECORDED check-ins, wrk saw $CREATED created and left $UNANSWERED unanswered"
  problems=1
fi
if [[ "$(field checkins non2xx)" -ne 0 || "$EXISTING$REFUSED$FAILED$RATE_LIMITED" != 0000 ]]; then
  say "  PROBLEM: some check-ins were not recorded as new (see the counts above)"
  problems=1
fi

# ---- close, export, verify -----------------------------------------------------

step "close, export, verify"
CLOSED=$(api POST "/api/v1/meetings/$MEETING_ID/close")
SIZE=$(jq -r '.size // empty' <<<"$CLOSED")
[[ -n "$SIZE" ]] || die "closing the meeting failed: $CLOSED"
# The log holds the meeting entry, the check-ins and the close entry.
say "  closed: log of $SIZE entries = 1 meeting + $(( SIZE - 2 )) check-ins + 1 close"
if [[ $(( SIZE - 2 )) -ne "$RECORDED" ]]; then
  say "  MISMATCH: the log holds $(( SIZE - 2 )) check-ins, /metrics says $RECORDED"
  problems=1
fi

BUNDLE="$WORK/bundle.json"
# The server answers 408 to any request that takes over 15 s, exports included.
status=$(api GET "/api/v1/meetings/$MEETING_ID/bundle" --max-time 300 -o "$BUNDLE" -w '%{http_code} %{time_total}')
[[ "${status%% *}" == 200 ]] || die "exporting the bundle failed (HTTP ${status%% *}): $(head -c 500 "$BUNDLE")"
say "  bundle (GET .../bundle): $(du -h "$BUNDLE" | cut -f1), $(jq '.entries | length' "$BUNDLE") entries, in $(awk -v t="${status#* }" 'BEGIN { printf "%.2f", t }') s"

t0=$(date +%s.%N)
set +e
timeout 900 "$BIN" verify "$BUNDLE" --key "$KEY" --json >"$WORK/verify.json" 2>"$WORK/verify.err"
verify_status=$?
set -e
VERIFY_TIME=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f s", b - a }')
VALID=$(jq -r '.valid' "$WORK/verify.json" 2>/dev/null || echo "?")
ATTESTATIONS=$(jq -r '.attestations' "$WORK/verify.json" 2>/dev/null || echo "?")
say "  rollcall verify --key $KEY: exit $verify_status, valid $VALID, $ATTESTATIONS check-ins, in $VERIFY_TIME"
if [[ $verify_status -ne 0 || "$VALID" != true ]]; then
  head -n 20 "$WORK/verify.err" >&2
  jq -c '.failures[:5]?' "$WORK/verify.json" >&2 2>/dev/null || true
  problems=1
elif [[ "$ATTESTATIONS" -ne "$RECORDED" ]]; then
  say "  MISMATCH: the bundle holds $ATTESTATIONS check-ins, the server recorded $RECORDED"
  problems=1
fi

# ---- summary ----------------------------------------------------------------------

step "summary ($DURATION per run, $CONNECTIONS connections, $THREADS threads, $(nproc) CPUs)"
report healthz
report checkins
say "  ratio check-ins / healthz: $RATIO"
say "  check-ins recorded: $RECORDED; bundle verified: $VALID"
say "  $COMMIT_LINE"
if ((problems)); then
  die "checks failed (see above)"
fi
say "all checks passed"
