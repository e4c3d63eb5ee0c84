#!/usr/bin/env bash
# Long crash run: the SIGKILL-under-load test with more kills.
#
# Runs tests/server/crash.rs (sigkill_under_load_loses_no_acknowledged_check_in)
# with ROUNDS kills at moments drawn from SEED, and prints its report line:
# check-ins acknowledged, present after the restarts, lost, the checkpoints
# each proven to extend the last, and the verified list's count.
#
# Usage:   bench/crash-soak.sh                 (ROUNDS=20, SEED=20261201)
#          ROUNDS=100 SEED=7 bench/crash-soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-20}
SEED=${SEED:-20261201}
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -gt 0 ]] || { echo "crash-soak: ROUNDS must be a positive number" >&2; exit 1; }
[[ "$SEED" =~ ^[0-9]+$ ]] || { echo "crash-soak: SEED must be a number" >&2; exit 1; }
ROLLCALL_CRASH_ROUNDS=$ROUNDS ROLLCALL_CRASH_SEED=$SEED \
  cargo test --locked --test main server::crash::sigkill_under_load -- --nocapture 2>&1 \
  | grep -E '^(SIGKILL|verified list|test |test result)|FAILED|panicked at tests/server'
