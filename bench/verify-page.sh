#!/usr/bin/env bash
# The verify page against the CLI, on the same list, in the same run.
#
# Records a closed meeting with N check-ins (default 10,000; the verify
# benchmark's generator), writes the self-contained verify page with the
# release binary, then measures, RUNS times each (default 3, the median is
# reported):
#
#   1. baseline: `rollcall verify LIST --key KEY --json` (native, all cores);
#   1b. the same on one core (RAYON_NUM_THREADS=1), as the page has one;
#   2. the page: headless Chromium opens the page from file:// with the
#      network off, is given the list and the key, and is timed from the
#      click on "Verify" to the verdict (WebAssembly in a worker, one core).
#
# and prints both, the ratio page/CLI in check-ins per second, the page's
# size, and checks that both found the list valid.
#
# Usage:   bench/verify-page.sh                 (N=10000, RUNS=3)
#          N=2000 RUNS=1 bench/verify-page.sh
# Needs: cargo, Chromium (CHROME_PATH, default /usr/bin/chromium) and
# `npm ci` in tests/browser (for playwright-core).
set -euo pipefail
N=${N:-10000}
RUNS=${RUNS:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
[ -x "$CHROME_PATH" ] || { echo "verify-page.sh: no Chromium at $CHROME_PATH" >&2; exit 2; }
[ -d tests/browser/node_modules/playwright-core ] || { echo "verify-page.sh: run 'npm ci' in tests/browser first" >&2; exit 2; }

work=$(mktemp -d -t rollcall-verify-page.XXXXXX)
trap 'rm -rf "$work"' EXIT

cargo build --release --locked --quiet --bin rollcall
BIN="$ROOT/target/release/rollcall"
ROLLCALL_BENCH_N=$N ROLLCALL_BENCH_GENERATE="$work/list.json" cargo bench --locked --quiet --bench verify >/dev/null
KEY=$(cat "$work/list.pub")
"$BIN" verify --page "$work/page.html" >/dev/null

cli_ms=()
one_ms=()
for _ in $(seq 1 "$RUNS"); do
  start=$(date +%s%N)
  "$BIN" verify "$work/list.json" --key "$KEY" --json >"$work/cli.json"
  cli_ms+=($(( ($(date +%s%N) - start) / 1000000 )))
  start=$(date +%s%N)
  RAYON_NUM_THREADS=1 "$BIN" verify "$work/list.json" --key "$KEY" --json >"$work/cli-one.json"
  one_ms+=($(( ($(date +%s%N) - start) / 1000000 )))
done
cmp -s "$work/cli.json" "$work/cli-one.json" || { echo "verify-page.sh: one core and all cores disagree" >&2; exit 1; }
page_ms=$(cd tests/browser && node verify-page.bench.mjs "$work/page.html" "$work/list.json" "$KEY" "$RUNS")

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
cli=$(median "${cli_ms[@]}")
one=$(median "${one_ms[@]}")
page=$(median $page_ms)
size=$(stat -c %s "$work/page.html")
list=$(stat -c %s "$work/list.json")
awk -v n="$N" -v cli="$cli" -v one="$one" -v page="$page" -v size="$size" -v list="$list" -v runs="$RUNS" 'BEGIN {
  printf "\n== verify page vs CLI: %d check-ins (list %.1f MB), median of %d ==\n", n, list / 1e6, runs
  printf "  CLI   rollcall verify --json     %6d ms  %8.0f check-ins/s\n", cli, n * 1000 / cli
  printf "  CLI   on one core                %6d ms  %8.0f check-ins/s\n", one, n * 1000 / one
  printf "  page  headless Chromium, wasm    %6d ms  %8.0f check-ins/s\n", page, n * 1000 / page
  printf "  ratio page / CLI                 %9.2f\n", cli / page
  printf "  ratio page / CLI on one core     %9.2f\n", one / page
  printf "  page  self-contained file        %6d KB\n", size / 1024
}'
