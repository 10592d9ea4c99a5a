#!/usr/bin/env bash
# Serves an existing database of the synthetic province with one aggregator
# binary until the comments of its closed months are packed (logged once
# serving, after the resident months' comments are read), then times pages of
# comments as a province's manager: a cold year twice, another cold year,
# and five years (past the budget) twice, with the memory before and after.
#
#   scripts/comments-bench.sh DATA_DIR BINARY
#   SERVE_FLAGS="-rollup-budget 600000 -comments-budget 200000" scripts/comments-bench.sh DATA_DIR BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1 bin=$2
addr=127.0.0.1:18185
debug=127.0.0.1:16065
log=/tmp/comments-bench.log
. scripts/aggregator-lib.sh
bench_manager_token
serve
echo "start to serving: $(wait_ready) s"
t0=$(date +%s)
until grep -qE "comments of closed months packed|pack the comments|comments to pack" "$log"; do
  kill -0 $pid 2>/dev/null || { echo "aggregator exited:" >&2; tail -5 "$log" >&2; exit 1; }
  sleep 5
done
echo "background done after $(( $(date +%s) - t0 )) s:"
grep -E "comments of closed months packed|pack the comments|comments of the resident" "$log" | cut -c1-250
echo "$(memory)"
timed_comments "unit=48&period=2023&limit=50"
timed_comments "unit=48&period=2023&limit=50"
timed_comments "unit=48&period=2022&level=dissatisfied&limit=50"
timed_comments "unit=48&from=2021-07-01&to=2026-06-30&limit=50"
timed_comments "unit=48&from=2021-07-01&to=2026-06-30&limit=50"
echo "after five years read: $(memory)"
stop
echo "clean stop: $stopped s"
