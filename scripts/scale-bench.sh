#!/usr/bin/env bash
# The scale benchmark of the measures: a synthetic province of 5M ratings
# (2 years, ~300 units, 2,000 procedures, 3,000 officials, a merger in the
# middle) on the embedded database. Prints the generation and offline rebuild
# times, start-up time to serving and memory after a clean stop and after a
# crash (a rebuild), the clean stop time, and the measures queries'
# latencies.
#
#   scripts/scale-bench.sh [RATINGS] [DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000000}
data=${2:-$(mktemp -d)}
addr=127.0.0.1:18181
debug=127.0.0.1:16060
log=/tmp/scale-serve.log
go build -o /tmp/hailong-aggregator ./aggregator
bin=/tmp/hailong-aggregator

if [ ! -d "$data/db" ]; then
  echo "== generate $n ratings into $data"
  /usr/bin/time -f "generate: %e s, max RSS %M KB" $bin generate -ratings "$n" -data "$data" 2>&1 | grep -v ' ratings, '
fi

. scripts/aggregator-lib.sh
bench_token
echo "== offline rebuild from raw ratings (and persist)"
/usr/bin/time -f "rebuild: %e s, max RSS %M KB" $bin rebuild -data "$data"

echo "== start after a clean stop"
serve
echo "start-up to serving: $(wait_ready) s; $(memory)"
grep -E "rollups loaded|digests loaded" $log || true
measures_bench
echo "after queries: $(memory)"
stop
echo "clean stop (persisting rollups): $stopped s"

echo "== crash (SIGKILL) and start again: rebuild from raw ratings"
serve
wait_ready >/dev/null
kill -9 $pid; wait $pid 2>/dev/null || true
serve
echo "start-up to serving after a crash: $(wait_ready) s; $(memory)"
kill -TERM $pid; wait $pid || true
