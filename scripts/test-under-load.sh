#!/usr/bin/env bash
# `npm test`, RUNS times in a row (default 3), while two spin loops keep both cores busy:
# the check that the suite holds on a busy machine. Stops at the first red run.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e "for(;;){}" & A=$!
node -e "for(;;){}" & B=$!
trap 'kill $A $B 2>/dev/null' EXIT
for run in $(seq 1 "${RUNS:-3}"); do
  echo "== run $run of ${RUNS:-3}, both cores busy"
  npm test
done
