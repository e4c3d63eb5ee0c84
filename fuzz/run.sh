#!/usr/bin/env bash
# Fuzzes the parsers an auditor's `rollcall verify` runs on untrusted files:
# bundle, receipt (with the statement and disclosure parsers), checkpoint
# (signed note, checkpoint body, verifier key) and the printed list's PDF
# (the reader that takes the attached bundle out). libFuzzer via cargo-fuzz,
# on the trust core crate alone (trust/), so the instrumented build is small.
#
# cargo-fuzz needs nightly compiler flags; on a stable toolchain they are
# enabled with RUSTC_BOOTSTRAP=1. No sanitizer is used (-s none): the code
# fuzzed is safe Rust, so the findings sought are panics, aborts, hangs and
# runaway memory, which libFuzzer reports without one.
#
# Usage:   fuzz/run.sh                      (FUZZ_SECONDS=30 per target)
#          FUZZ_SECONDS=600 fuzz/run.sh bundle
# New inputs found go to a temporary directory, not the committed seed
# corpus (fuzz/corpus/<target>, made by fuzz/make-corpus.sh). A crash is
# kept in fuzz/artifacts/<target>/ and the run fails; reproduce it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none TARGET fuzz/artifacts/TARGET/crash-...
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${FUZZ_SECONDS:-30}
[[ "$SECONDS_EACH" =~ ^[0-9]+$ && "$SECONDS_EACH" -gt 0 ]] || { echo "fuzz: FUZZ_SECONDS must be a positive number" >&2; exit 1; }
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(bundle receipt checkpoint pdf)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (cargo install cargo-fuzz --locked)"
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for t in "${TARGETS[@]}"; do
  mkdir -p "$WORK/$t"
  echo "== fuzz $t for ${SECONDS_EACH}s =="
  status=0
  cargo fuzz run -s none "$t" "$WORK/$t" "corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$WORK/$t.log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)|SUMMARY|panicked' "$WORK/$t.log" || true
  if [[ "$status" -ne 0 ]]; then
    tail -n 40 "$WORK/$t.log" >&2
    echo "fuzz: $t found a crash (see fuzz/artifacts/$t/)" >&2
    exit 1
  fi
done
echo "fuzzing found nothing"
