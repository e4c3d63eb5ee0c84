#!/usr/bin/env bash
# Regenerates the seed corpus (fuzz/corpus/<target>/) from files a real
# server exports: a closed meeting's bundle, receipts, checkpoints with and
# without a consistency proof, and the C2SP test vectors.
#
# Usage: fuzz/make-corpus.sh   (builds the debug binary; needs curl and jq)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
(cd "$ROOT" && cargo build --quiet)
BIN="$ROOT/target/debug/rollcall"
WORK=$(mktemp -d)
PID=""
trap '[[ -n "$PID" ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
TOKEN=$("$BIN" token create --name corpus --data data 2>/dev/null)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --addr "127.0.0.1:$PORT" --data data --keys keys --checkpoint-every 1 >server.log 2>&1 &
PID=$!
U="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$U/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
api() { local m=$1 p=$2; shift 2; curl -fsS -X "$m" -H "Authorization: Bearer $TOKEN" "$@" "$U$p"; }
M=$(api POST /api/v1/meetings -H 'Content-Type: application/json' \
  -d '{"title":"Fuzz corpus","committee":"TC 1","location":"Geneva","starts_at":"2020-01-01T08:00:00Z","ends_at":"2099-01-01T18:00:00Z","timezone":"Europe/Zurich","presence":"static"}')
ID=$(jq -r .id <<<"$M"); CODE=$(jq -r .code_sha256 <<<"$M")
api POST "/api/v1/meetings/$ID/open" >/dev/null
T=$(api GET "/api/v1/meetings/$ID/checkin-link" | jq -r .token)
RECEIPTS=()
for i in 1 2 3; do
  R=$(curl -fsS -H 'Content-Type: application/json' -d "{\"token\":\"$T\",\"name\":\"Attendee $i\",\"organization\":\"Org\",\"country\":\"CH / SNV\",\"role\":\"delegate\",\"email\":\"a$i@example.org\",\"acknowledged\":true,\"code_sha256\":\"$CODE\"}" "$U/api/v1/meetings/$ID/checkins")
  RECEIPTS+=("$(jq -r .receipt_id <<<"$R")")
  sleep 1.2
done
api POST "/api/v1/meetings/$ID/notes" -H 'Content-Type: application/json' -d '{"text":"Quorum reached."}' >/dev/null
C=$ROOT/fuzz/corpus
mkdir -p "$C/bundle" "$C/receipt" "$C/checkpoint"
rm -f "$C"/receipt/served-receipt-*.json "$C"/bundle/served-receipt-*.json
curl -fsS "$U/api/v1/meetings/$ID/checkpoint" | jq -j .checkpoint >"$C/checkpoint/served-checkpoint"
curl -fsS "$U/api/v1/meetings/$ID/checkpoint?from=2" | jq -j .checkpoint >"$C/checkpoint/served-checkpoint-later"
api POST "/api/v1/meetings/$ID/close" >/dev/null
api GET "/api/v1/meetings/$ID/bundle" >"$C/bundle/served-bundle.json"
api GET "/api/v1/meetings/$ID/bundle" | jq -c . >"$C/bundle/served-bundle-compact.json"
mkdir -p "$C/pdf"
api GET "/api/v1/meetings/$ID/attendance.pdf" >"$C/pdf/served-list.pdf"
for r in "${RECEIPTS[@]}"; do curl -fsS "$U/api/v1/receipts/$r" >"$C/receipt/served-receipt-$r.json"; done
cp "$C"/receipt/*.json "$C/bundle/"
jq -j '.entry.envelope.payload' "$C/receipt/served-receipt-${RECEIPTS[0]}.json" | base64 -d >"$C/receipt/statement-payload.json"
jq -j '.entry.disclosures[0]' "$C/receipt/served-receipt-${RECEIPTS[0]}.json" >"$C/receipt/disclosure"
cp "$ROOT/trust/tests/vectors/c2sp-checkpoint-example.txt" "$ROOT/trust/tests/vectors/c2sp-signed-note-example.txt" \
  "$ROOT/trust/tests/vectors/example-com-foo-note.txt" "$ROOT/trust/tests/vectors/example-com-foo.vkey" "$C/checkpoint/"
ls -l "$C"/*
