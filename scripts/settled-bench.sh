#!/usr/bin/env bash
# Serves an existing database of the synthetic province with one aggregator
# binary and times what follows a start once everything it leaves for the
# background is done: the start to serving and to the first measures, the
# background reads from their log lines (the outcome book, the resident
# months and their comments), BenchmarkMeasuresAtScale with everything loaded,
# and a clean stop after it (which saves the outcome book's changes).
#
#   scripts/settled-bench.sh DATA_DIR BINARY
#   SETTLED_AFTER="summaries written" scripts/settled-bench.sh DATA_DIR BINARY
#   REPORTS=20000 scripts/settled-bench.sh DATA_DIR BINARY
#   SERVE_FLAGS="-rollup-budget 600000" MEASURES=0 REPORTS=100000 scripts/settled-bench.sh DATA_DIR BINARY
#   HEAP_PROFILE=/tmp/heap.pprof SERVE_FLAGS="-rollup-budget 600000" MEASURES=0 scripts/settled-bench.sh DATA_DIR BINARY
#   LATE="220315 240601" MEASURES=0 scripts/settled-bench.sh DATA_DIR BINARY
#
# REPORTS=N has the one-stop software report N new dossiers (1,000 to a
# request, as a client enrolled for the province, made once in
# DATA_DIR/bench-client) before the stop, whose save of the outcome book
# then writes them. MEASURES=0 leaves BenchmarkMeasuresAtScale out (a
# -rollup-budget smaller than a year of months makes its queries load months
# again and again). HEAP_PROFILE=FILE writes the live heap's profile there
# when the memory is read (go tool pprof -sample_index=inuse_space BINARY FILE).
# LATE="YYMMDD ..." has the one-stop software report one new dossier received
# on each of those days, timed, after the memory is read: a dossier of a
# month whose outcome entries are cold costs the read of that month, and the
# stop then writes the month again.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1 bin=$2
# The log line that ends the background work: the resident months'
# comments' by default;
# "summaries written" on the first start over a database written before
# summaries, whose months are then summarised.
after=${SETTLED_AFTER:-comments of the resident months read}
addr=127.0.0.1:18184
debug=127.0.0.1:16064
log=/tmp/settled-bench.log
. scripts/aggregator-lib.sh
bench_token
[ "${REPORTS:-0}" -gt 0 ] || [ -n "${LATE:-}" ] && bench_client
serve
wait_ready >/tmp/settled-bench.ready
echo "start to serving: $(cat /tmp/settled-bench.ready) s; to the first measures: $(first_measures) s"
until grep -q "$after" "$log"; do
  kill -0 $pid 2>/dev/null || { echo "aggregator exited:" >&2; tail -5 "$log" >&2; exit 1; }
  sleep 2
done
grep -hE 'rollups loaded|outcomes loaded|resident months of|comments of the resident|summaries written|summarise a month' "$log" | cut -c1-240
[ "${MEASURES:-1}" = 0 ] || measures_bench
echo "$(memory)"
[ -z "${HEAP_PROFILE:-}" ] || curl -s "http://$debug/debug/pprof/heap?gc=1" >"$HEAP_PROFILE"
for day in ${LATE:-}; do timed_late_report "$day"; done
report_outcomes "${REPORTS:-0}"
stop
echo "clean stop, everything loaded: $stopped s"
