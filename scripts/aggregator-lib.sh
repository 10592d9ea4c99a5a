# Shell functions for the scripts that time an aggregator process: start it,
# wait for it to serve, read its memory. Source it after setting
#   bin (the aggregator binary), data (its -data directory), addr (its
#   -listen address), debug (its -debug-listen address) and log (a file).

serve() { # starts the aggregator in the background; its pid is $pid
  $bin serve -listen "$addr" -debug-listen "$debug" -data "$data" >"$log" 2>&1 & pid=$!
}

wait_ready() { # prints seconds until /healthz answers
  local t0=$(date +%s.%N)
  until curl -sf "http://$addr/healthz" >/dev/null; do
    kill -0 $pid 2>/dev/null || { echo "aggregator exited:" >&2; tail -5 "$log" >&2; exit 1; }
    sleep 0.05
  done
  echo "$(date +%s.%N) - $t0" | bc
}

memory() { # the process's resident memory, and the Go heap's live data after a collection
  local heap
  heap=$(curl -s "http://$debug/debug/pprof/heap?gc=1&debug=1" | awk '/^# HeapAlloc = / {printf "%.0f MB", $4/1048576}')
  awk -v heap="$heap" '/VmRSS/ {printf "RSS %.0f MB, live heap %s", $2/1024, heap}' "/proc/$pid/status"
}

stop() { # SIGTERM, a clean stop; sets stopped to its seconds (not in a
  # subshell: only this shell can wait for the process)
  local t0=$(date +%s.%N)
  kill -TERM $pid; wait $pid || true
  stopped=$(echo "$(date +%s.%N) - $t0" | bc)
}
