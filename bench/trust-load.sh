#!/usr/bin/env bash
# Load scenarios with their proof, over plain HTTP and over TLS.
#
#   bench/trust-load.sh load     (default)
#     For each of http and https (--self-signed), a fresh release server
#     (temporary data and keys, --checkin-rate 100000000) and:
#       1. baseline:  wrk GET /healthz ($CONNECTIONS connections, $DURATION);
#       2. room:      $ROOM distinct attendees arriving at an even pace within
#                     $ROOM_SECONDS on one meeting, each its own curl (its own
#                     connection and, over TLS, its own handshake, like
#                     phones); latency p50/p90/p99/max, non-201s; then the
#                     meeting is closed, exported and verified and every
#                     attendee's name must be in the verified list;
#       3. meetings:  $MEETINGS meetings open at once, wrk spreading new
#                     check-ins over all of them ($CONNECTIONS connections,
#                     $DURATION); throughput, p50/p99, errors, ratio to the
#                     baseline; then every meeting is closed, exported and
#                     verified and the verified check-ins must add up to
#                     what the server recorded;
#     and the server's peak memory (VmHWM of /proc/PID/status).
#
#   bench/trust-load.sh verify
#     Drives a release server to $N check-ins (100,000) on one meeting with
#     wrk, closes it, exports the bundle through the API and times
#     `rollcall verify` on it (wall time and peak memory by /usr/bin/time).
#
# Environment: DURATION (20s), CONNECTIONS (64), THREADS (2), ROOM (1000),
#   ROOM_SECONDS (60), MEETINGS (50), N (100000), SCHEMES ("http https"),
#   KEEP=1 keeps the temporary directory, ROLLCALL_BIN=PATH uses that binary.
# Bounded (CI): ROOM=100 ROOM_SECONDS=5 MEETINGS=10 DURATION=3s
#               bench/trust-load.sh load; N=2000 bench/trust-load.sh verify
# Needs: cargo, curl, jq, wrk. Everything stays on 127.0.0.1.
set -euo pipefail

MODE=${1:-load}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROOM=${ROOM:-1000}
ROOM_SECONDS=${ROOM_SECONDS:-60}
MEETINGS=${MEETINGS:-50}
N=${N:-100000}
SCHEMES=${SCHEMES:-http https}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LUA="$ROOT/bench/checkin.lua"

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s ==\n' "$*"; }
die() { printf 'trust-load: %s\n' "$*" >&2; exit 1; }

case "$MODE" in load|verify) ;; *) die "usage: bench/trust-load.sh [load|verify]" ;; esac
for v in CONNECTIONS THREADS ROOM ROOM_SECONDS MEETINGS N; do
  [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -gt 0 ]] || die "$v must be a positive whole number (got '${!v}')"
done
for tool in wrk curl jq; do
  command -v "$tool" >/dev/null 2>&1 || die "missing $tool (Debian: apt-get install $tool)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rollcall-trust-load.XXXXXX")
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  local status=$?
  stop_server
  if [[ "${KEEP:-0}" == 1 ]]; then printf 'kept %s\n' "$WORK" >&2; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "${ROLLCALL_BIN:-}" ]]; then
  BIN=$ROLLCALL_BIN
else
  step "build (cargo build --release)"
  (cd "$ROOT" && cargo build --release --quiet)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rollcall"
fi
cp "$BIN" "$WORK/rollcall"
BIN="$WORK/rollcall"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server NAME SCHEME: a fresh server in $WORK/NAME; sets BASE, TOKEN,
# KEY, CURL_TLS (curl options trusting its certificate) and SERVER_PID.
start_server() {
  local name=$1 scheme=$2 dir="$WORK/$1" extra=()
  mkdir -p "$dir"
  [[ "$scheme" == https ]] && extra=(--self-signed)
  TOKEN=$("$BIN" token create --name bench --data "$dir/data" 2>/dev/null)
  local port up=0
  port=$(free_port)
  # The certificate names "localhost": talk to it by that name.
  BASE="$scheme://localhost:$port"
  "$BIN" serve --addr "127.0.0.1:$port" --public-url "$BASE" --data "$dir/data" \
    --keys "$dir/keys" --checkin-rate 100000000 "${extra[@]}" >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  CURL_TLS=(--resolve "localhost:$port:127.0.0.1")
  for _ in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    if [[ -f "$dir/data/tls/self-signed.pem" ]]; then
      CURL_TLS=(--resolve "localhost:$port:127.0.0.1" --cacert "$dir/data/tls/self-signed.pem")
    fi
    if curl -fsS --max-time 2 "${CURL_TLS[@]}" "$BASE/healthz" >/dev/null 2>&1; then up=1; break; fi
    sleep 0.1
  done
  ((up)) || { tail -n 20 "$dir/server.log" >&2; die "the $name server did not start"; }
  KEY=$("$BIN" keys show --keys "$dir/keys" 2>/dev/null)
  # wrk cannot be told the name: it connects to 127.0.0.1 (no certificate check).
  WRK_BASE="$scheme://127.0.0.1:$port"
  say "$name: rollcall serve pid $SERVER_PID on $BASE"
}

api() {
  local method=$1 path=$2; shift 2
  curl -sS --max-time 300 "${CURL_TLS[@]}" -X "$method" -H "Authorization: Bearer $TOKEN" "$@" "$BASE$path"
}

# new_meeting: creates and opens a static-link meeting; prints "ID TOKEN CODE".
new_meeting() {
  local s e m id link
  s=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
  e=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
  m=$(api POST /api/v1/meetings -H 'Content-Type: application/json' -d "$(jq -nc --arg s "$s" --arg e "$e" \
    '{title: "Load test", committee: "bench", starts_at: $s, ends_at: $e, timezone: "UTC", presence: "static"}')")
  id=$(jq -r '.id // empty' <<<"$m")
  [[ -n "$id" ]] || die "creating a meeting failed: $m"
  [[ $(api POST "/api/v1/meetings/$id/open" | jq -r '.state // empty') == open ]] || die "opening $id failed"
  link=$(api GET "/api/v1/meetings/$id/checkin-link")
  printf '%s %s %s\n' "$id" "$(jq -r .token <<<"$link")" "$(jq -r .code_sha256 <<<"$m")"
}

# close_and_verify ID OUT: closes, exports and verifies; prints the check-in count.
close_and_verify() {
  local id=$1 out=$2
  api POST "/api/v1/meetings/$id/close" >/dev/null
  local status
  status=$(api GET "/api/v1/meetings/$id/bundle" -o "$out.json" -w '%{http_code}')
  [[ "$status" == 200 ]] || die "exporting $id failed (HTTP $status)"
  "$BIN" verify "$out.json" --key "$KEY" --json >"$out.verify.json" 2>/dev/null \
    || die "the list of $id does not verify: $(jq -c '.failures[:3]?' "$out.verify.json" 2>/dev/null)"
  jq -r '.attestations' "$out.verify.json"
}

metric() {
  curl -sS --max-time 30 "${CURL_TLS[@]}" "$BASE/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

# settled_recorded: the server's recorded count once it stops moving.
settled_recorded() {
  local a b
  a=$(metric 'rollcall_check_ins_total{outcome="recorded"}')
  for _ in $(seq 1 50); do
    sleep 0.2
    b=$(metric 'rollcall_check_ins_total{outcome="recorded"}')
    [[ "$a" == "$b" ]] && break
    a=$b
  done
  echo "$a"
}

vmhwm() { awk '/^VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$SERVER_PID/status"; }

field() { local v; v=$(tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"); echo "${v:-0}"; }

# run_wrk NAME URL ARGS...: leaves wrk's BENCH line in $WORK/NAME.bench.
run_wrk() {
  local name=$1 url=$2; shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 15s -s "$LUA" "$url" -- "$@" \
    >"$WORK/$name.txt" 2>&1 || { cat "$WORK/$name.txt" >&2; die "wrk ($name) failed"; }
  grep '^BENCH ' "$WORK/$name.txt" >"$WORK/$name.bench" || { cat "$WORK/$name.txt" >&2; die "wrk ($name) printed no BENCH line"; }
}

line() {
  printf '  %-16s %9s req/s  p50 %7s ms  p99 %7s ms  non-2xx %s  socket errors %s\n' "$1" \
    "$(field "$2" rps)" "$(field "$2" p50_ms)" "$(field "$2" p99_ms)" "$(field "$2" non2xx)" "$(field "$2" socket_errors)"
}

SUMMARY=()
problems=0

# ---- load -------------------------------------------------------------------

scenario() {
  local scheme=$1
  start_server "$scheme" "$scheme"

  step "$scheme baseline: GET /healthz, $CONNECTIONS connections, $DURATION"
  run_wrk "$scheme-healthz" "$WRK_BASE/healthz" baseline
  line healthz "$WORK/$scheme-healthz.bench"

  step "$scheme room: $ROOM attendees arriving within $ROOM_SECONDS s on one meeting"
  local room id token code
  room=$(new_meeting); read -r id token code <<<"$room"
  # Attendee i leaves at start + (i - 1) * gap, on the clock (microseconds),
  # so starting each curl does not stretch the minute.
  local gap_us=$(( ROOM_SECONDS * 1000000 / ROOM )) start_us now_us wait_us
  local t0 t1
  t0=$(date +%s.%N)
  start_us=${EPOCHREALTIME/./}
  for i in $(seq 1 "$ROOM"); do
    now_us=${EPOCHREALTIME/./}
    wait_us=$(( start_us + (i - 1) * gap_us - now_us ))
    if (( wait_us > 0 )); then
      sleep "$(( wait_us / 1000000 )).$(printf '%06d' $(( wait_us % 1000000 )))"
    fi
    curl -sS -o /dev/null --max-time 30 "${CURL_TLS[@]}" -w '%{http_code} %{time_total}\n' \
      -H 'Content-Type: application/json' \
      -d "{\"token\":\"$token\",\"name\":\"Room Attendee $i\",\"organization\":\"Load Test Org\",\"country\":\"Nowhere / LT\",\"role\":\"delegate\",\"email\":\"room$i@bench.example.org\",\"acknowledged\":true,\"code_sha256\":\"$code\"}" \
      "$BASE/api/v1/meetings/$id/checkins" >>"$WORK/$scheme-room.txt" 2>>"$WORK/$scheme-room.err" &
  done
  local pending
  pending=$(jobs -p | grep -vx "$SERVER_PID" || true)
  if [[ -n "$pending" ]]; then
    # shellcheck disable=SC2086
    wait $pending 2>/dev/null || true
  fi
  t1=$(date +%s.%N)
  local created lat
  created=$(awk '$1 == 201' "$WORK/$scheme-room.txt" | wc -l)
  lat=$(awk '{ print $2 * 1000 }' "$WORK/$scheme-room.txt" | sort -n | awk '
    { v[NR] = $1 } END { printf "p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms",
      v[int(NR * 0.50 + 0.5)], v[int(NR * 0.90 + 0.5)], v[int(NR * 0.99 + 0.5)], v[NR] }')
  local in_list names
  in_list=$(close_and_verify "$id" "$WORK/$scheme-room")
  names=$(jq -r '.attendees[].fields.name' "$WORK/$scheme-room.verify.json" | grep -c '^Room Attendee ' || true)
  local distinct
  distinct=$(jq -r '.attendees[].fields.name' "$WORK/$scheme-room.verify.json" | sort -u | wc -l)
  local room_line
  room_line=$(printf '%s room: %d/%d answered 201, the last %.1f s after the first left; latency %s; verified list holds %s check-ins, %s distinct names' \
    "$scheme" "$created" "$ROOM" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$lat" "$in_list" "$distinct")
  say "  $room_line"
  SUMMARY+=("$room_line")
  if [[ "$created" -ne "$ROOM" || "$in_list" -ne "$ROOM" || "$names" -ne "$ROOM" || "$distinct" -ne "$ROOM" ]]; then
    say "  PROBLEM: not all $ROOM attendees were acknowledged and verified"
    problems=1
  fi

  step "$scheme meetings: $MEETINGS open at once, $CONNECTIONS connections, $DURATION"
  : >"$WORK/$scheme-meetings.list"
  for _ in $(seq 1 "$MEETINGS"); do new_meeting >>"$WORK/$scheme-meetings.list"; done
  local before
  before=$(settled_recorded)
  run_wrk "$scheme-meetings" "$WRK_BASE/" meetings "$WORK/$scheme-meetings.list"
  line "$MEETINGS meetings" "$WORK/$scheme-meetings.bench"
  local recorded verified=0 n
  recorded=$(( $(settled_recorded) - before ))
  while read -r id _ _; do
    n=$(close_and_verify "$id" "$WORK/$scheme-m-$id")
    verified=$(( verified + n ))
  done <"$WORK/$scheme-meetings.list"
  local ratio mem
  ratio=$(awk -v a="$(field "$WORK/$scheme-meetings.bench" rps)" -v b="$(field "$WORK/$scheme-healthz.bench" rps)" \
    'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  mem=$(vmhwm)
  local m_line
  m_line=$(printf '%s %s meetings: %s check-ins/s, p50 %s ms, p99 %s ms, non-2xx %s, socket errors %s; healthz %s req/s (p50 %s, p99 %s ms); ratio %s; recorded %s = verified %s; server peak memory %s' \
    "$scheme" "$MEETINGS" "$(field "$WORK/$scheme-meetings.bench" rps)" "$(field "$WORK/$scheme-meetings.bench" p50_ms)" \
    "$(field "$WORK/$scheme-meetings.bench" p99_ms)" "$(field "$WORK/$scheme-meetings.bench" non2xx)" \
    "$(field "$WORK/$scheme-meetings.bench" socket_errors)" "$(field "$WORK/$scheme-healthz.bench" rps)" \
    "$(field "$WORK/$scheme-healthz.bench" p50_ms)" "$(field "$WORK/$scheme-healthz.bench" p99_ms)" "$ratio" "$recorded" "$verified" "$mem")
  say "  $m_line"
  SUMMARY+=("$m_line")
  if [[ "$recorded" -ne "$verified" || "$(field "$WORK/$scheme-meetings.bench" non2xx)" -ne 0 ]]; then
    say "  PROBLEM: recorded and verified differ, or some check-ins failed"
    problems=1
  fi
  stop_server
}

verify_mode() {
  start_server verify http
  step "drive the server to $N check-ins"
  local id token code
  read -r id token code <<<"$(new_meeting)"
  local recorded=0 t0
  t0=$(date +%s)
  local runs=0
  while [[ "$recorded" -lt "$N" ]]; do
    runs=$(( runs + 1 ))
    [[ "$runs" -le 20 ]] || die "after 20 wrk runs only $recorded of $N check-ins were recorded"
    local left=$(( N - recorded )) secs
    # About 8,000 check-ins/s here; at least 2 s per wrk run.
    secs=$(( left / 8000 + 2 ))
    # A new tag each run: the same name and e-mail again would be a repeat.
    DURATION="${secs}s" run_wrk verify-load "$WRK_BASE/api/v1/meetings/$id/checkins" "$token" "$code" "run$recorded"
    recorded=$(settled_recorded)
    say "  recorded $recorded"
  done
  say "  $recorded check-ins in $(( $(date +%s) - t0 )) s"
  step "close, export, verify"
  api POST "/api/v1/meetings/$id/close" >/dev/null
  local status
  status=$(api GET "/api/v1/meetings/$id/bundle" -o "$WORK/big.json" -w '%{http_code} %{time_total}')
  [[ "${status%% *}" == 200 ]] || die "export failed (HTTP ${status%% *})"
  say "  exported $(du -h "$WORK/big.json" | cut -f1) in ${status#* } s"
  stop_server
  /usr/bin/time -f '%e %M' -o "$WORK/verify.time" "$BIN" verify "$WORK/big.json" --key "$KEY" --json \
    >"$WORK/big.verify.json" 2>/dev/null || die "the exported bundle does not verify"
  local secs kb atts
  read -r secs kb <"$WORK/verify.time"
  atts=$(jq -r .attestations "$WORK/big.verify.json")
  local size
  size=$(stat -c %s "$WORK/big.json")
  local v_line
  v_line=$(printf 'verify of a served bundle: %s check-ins, %.1f MB, valid %s, in %s s = %.0f attestations/s, peak memory %.0f MB (%.1f x the file)' \
    "$atts" "$(awk -v s="$size" 'BEGIN { print s / 1e6 }')" "$(jq -r .valid "$WORK/big.verify.json")" "$secs" \
    "$(awk -v a="$atts" -v s="$secs" 'BEGIN { print (s > 0 ? a / s : 0) }')" "$(( kb / 1024 ))" \
    "$(awk -v k="$kb" -v s="$size" 'BEGIN { print k * 1024 / s }')")
  say "  $v_line"
  SUMMARY+=("$v_line")
  [[ "$atts" -eq "$recorded" ]] || { say "  PROBLEM: $atts verified, $recorded recorded"; problems=1; }
}

if [[ "$MODE" == load ]]; then
  for scheme in $SCHEMES; do scenario "$scheme"; done
else
  verify_mode
fi

step "summary ($(nproc) CPUs; $CONNECTIONS connections, $THREADS wrk threads)"
for l in "${SUMMARY[@]}"; do say "  $l"; done
((problems)) && die "checks failed (see above)"
say "all checks passed"
