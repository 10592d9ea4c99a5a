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
go build -o /tmp/hailong-aggregator ./aggregator
bin=/tmp/hailong-aggregator

if [ ! -d "$data/db" ]; then
  echo "== generate $n ratings into $data"
  /usr/bin/time -f "generate: %e s, max RSS %M KB" $bin generate -ratings "$n" -data "$data" 2>&1 | grep -v ' ratings, '
fi

wait_ready() { # prints seconds until /healthz answers
  local t0=$(date +%s.%N)
  until curl -sf "http://$addr/healthz" >/dev/null; do
    kill -0 $pid 2>/dev/null || { echo "aggregator exited:" >&2; tail -5 /tmp/scale-serve.log >&2; exit 1; }
    sleep 0.2
  done
  echo "$(date +%s.%N) - $t0" | bc
}
rss() { awk '/VmRSS/ {printf "%.0f MB", $2/1024}' "/proc/$1/status"; }

echo "== offline rebuild from raw ratings (and persist)"
/usr/bin/time -f "rebuild: %e s, max RSS %M KB" $bin rebuild -data "$data"

echo "== start after a clean stop"
$bin serve -listen $addr -data "$data" 2>/tmp/scale-serve.log & pid=$!
echo "start-up to serving: $(wait_ready) s; RSS $(rss $pid)"
HAILONG_BENCH_AGGREGATOR=http://$addr go test -run '^$' -bench MeasuresAtScale -benchtime 200x ./e2e | grep Benchmark
echo "RSS after queries: $(rss $pid)"
t0=$(date +%s.%N); kill -TERM $pid; wait $pid || true
echo "clean stop (persisting rollups): $(echo "$(date +%s.%N) - $t0" | bc) s"

echo "== crash (SIGKILL) and start again: rebuild from raw ratings"
$bin serve -listen $addr -data "$data" 2>/tmp/scale-serve.log & pid=$!
wait_ready >/dev/null
kill -9 $pid; wait $pid 2>/dev/null || true
$bin serve -listen $addr -data "$data" 2>/tmp/scale-serve.log & pid=$!
echo "start-up to serving after a crash: $(wait_ready) s; RSS $(rss $pid)"
kill -TERM $pid; wait $pid || true
