#!/usr/bin/env bash
# Serves an existing database of the synthetic province (for example of
# `aggregator generate -ratings 10000000 -years 5`) with one aggregator
# binary and times what a start leaves for later: the first reads of cold
# years (loaded on first use) and the same again, the measures of months in
# memory (BenchmarkMeasuresAtScale), the first and second reads of a cold
# year's comments, and the memory once the resident months' comments, read
# in the background, are in. Budgets are set as for the service, by
# HAILONG_AGGREGATOR_ROLLUP_BUDGET and HAILONG_AGGREGATOR_COMMENTS_BUDGET in
# the environment.
#
#   scripts/serve-bench.sh DATA_DIR BINARY
#   HAILONG_AGGREGATOR_ROLLUP_BUDGET=600000 HAILONG_AGGREGATOR_COMMENTS_BUDGET=200000 scripts/serve-bench.sh DATA_DIR BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1 bin=$2
addr=127.0.0.1:18183
debug=127.0.0.1:16063
log=/tmp/serve-bench.log
. scripts/aggregator-lib.sh
bench_token
bench_manager_token
serve
wait_ready >/tmp/serve-bench.ready
echo "start to serving: $(cat /tmp/serve-bench.ready) s; to the first measures (the outcome book read): $(first_measures) s; $(memory)"
timed_measures "unit=48&period=2023"
timed_measures "unit=48&period=2023&breakdown=units,months"
timed_measures "unit=48&period=2023"
timed_measures "unit=48&period=2022"
timed_measures "unit=48&from=2021-07-01&to=2026-06-30"
timed_measures "unit=48&from=2021-07-01&to=2026-06-30"
measures_bench
timed_comments "unit=48&period=2023&limit=50"
timed_comments "unit=48&period=2023&limit=50"
timed_comments "unit=48&period=2023&level=dissatisfied&limit=50"
until grep -q "comments of the resident months read" "$log"; do
  kill -0 $pid 2>/dev/null || { echo "aggregator exited:" >&2; tail -5 "$log" >&2; exit 1; }
  sleep 2
done
echo "after the comments: $(memory)"
grep -hE 'rollups loaded|outcomes loaded|comments of the resident' "$log" | cut -c1-240
stop
echo "clean stop: $stopped s"
