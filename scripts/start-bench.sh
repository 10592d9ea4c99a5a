#!/usr/bin/env bash
# Times the start and stop of aggregator binaries on one existing database
# (for example of `aggregator generate -ratings 1000000`), taking turns so
# that all see the same machine. For each round and each binary: a clean
# start to serving (and to the first measures, which wait for the outcome
# book), 20 s of serving (the comments are read in the
# background), a clean stop; then a start, kill -9 and a start again, with
# the memory 20 s after it.
#
#   scripts/start-bench.sh DATA_DIR ROUNDS BINARY...
set -euo pipefail
cd "$(dirname "$0")/.."
data=$1 rounds=$2
shift 2
addr=127.0.0.1:18182
debug=127.0.0.1:16062
log=/tmp/start-bench.log
. scripts/aggregator-lib.sh
bin=$1
bench_token
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    serve
    wait_ready >/tmp/start-bench.ready
    ready=$(cat /tmp/start-bench.ready)
    measures=$(first_measures)
    sleep 20
    stop
    clean_stop=$stopped
    serve
    wait_ready >/dev/null
    sleep 5
    kill -9 $pid; wait $pid 2>/dev/null || true
    serve
    crash=$(wait_ready)
    sleep 20
    mem=$(memory)
    stop
    echo "round $round $bin: clean start $ready s (first measures $measures s), clean stop $clean_stop s, start after kill -9 $crash s; $mem"
    grep -hE 'rollups loaded|resident months|outcomes loaded' "$log" | sed 's/^/    /' | cut -c1-240
  done
done
