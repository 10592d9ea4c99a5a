# Shell functions for the scripts that time an aggregator process: start it,
# wait for it to serve, read its memory. Source it after setting
#   bin (the aggregator binary), data (its -data directory), addr (its
#   -listen address), debug (its -debug-listen address) and log (a file).

serve() { # starts the aggregator in the background, with $SERVE_FLAGS if set; its pid is $pid
  $bin serve -listen "$addr" -debug-listen "$debug" -data "$data" ${SERVE_FLAGS:-} >"$log" 2>&1 & pid=$!
}

wait_ready() { # prints seconds until /healthz answers; sets started to when it was called
  local t0=$(date +%s.%N)
  started=$t0
  until curl -sf "http://$addr/healthz" >/dev/null; do
    kill -0 $pid 2>/dev/null || { echo "aggregator exited:" >&2; tail -5 "$log" >&2; exit 1; }
    sleep 0.05
  done
  echo "$(date +%s.%N) - $t0" | bc
}

first_measures() { # after wait_ready (not in a subshell: it reads $started): seconds from
  # the start until the first measures of the last year answer (they read the outcome book)
  curl -sf -o /dev/null -H "Authorization: Bearer $(cat "$data/bench-token")" \
    "http://$addr/api/v1/measures?unit=48&from=2025-07-01&to=2026-06-30" || echo "measures failed" >&2
  echo "$(date +%s.%N) - $started" | bc
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

bench_token() { # the measures need a principal: a province-wide analyst's token, made once in $data/bench-token
  if [ ! -s "$data/bench-token" ]; then
    $bin users add -data "$data" -username bench -role analyst -scope 48 >/dev/null
    $bin tokens add -data "$data" -username bench -name scale-bench -expires 30d 2>/dev/null > "$data/bench-token"
  fi
}

measures_bench() { # BenchmarkMeasuresAtScale against the aggregator serving
  HAILONG_BENCH_AGGREGATOR=http://$addr HAILONG_BENCH_TOKEN=$(cat "$data/bench-token") go test -run '^$' -bench MeasuresAtScale -benchtime 200x ./e2e | grep Benchmark
}

timed_measures() { # GET /api/v1/measures?$1 once, with the time it took
  curl -s -o /dev/null -w "measures?$1: HTTP %{http_code} in %{time_total} s\n" -H "Authorization: Bearer $(cat "$data/bench-token")" "http://$addr/api/v1/measures?$1"
}

bench_manager_token() { # comments need a manager: a province-wide manager's token, made once in $data/bench-manager-token
  if [ ! -s "$data/bench-manager-token" ]; then
    $bin users add -data "$data" -username bench-manager -role manager -scope 48 >/dev/null
    $bin tokens add -data "$data" -username bench-manager -name scale-bench -expires 30d 2>/dev/null > "$data/bench-manager-token"
  fi
}

timed_comments() { # GET /api/v1/comments?$1 once, with the time it took and the total (after bench_manager_token)
  curl -s -w "\ncomments?$1: HTTP %{http_code} in %{time_total} s\n" -H "Authorization: Bearer $(cat "$data/bench-manager-token")" \
    "http://$addr/api/v1/comments?$1" | grep -oE '"total":[0-9]+|^comments.*' | tr '\n' ' '
  echo
}

bench_client() { # the one-stop software's credential, for the whole province, made once in $data/bench-client (before serve)
  if [ ! -s "$data/bench-client" ]; then
    $bin client add -data "$data" -id bench-onestop -unit 48 | tail -1 > "$data/bench-client"
  fi
}

timed_late_report() { # the one-stop software reports one new dossier received on day $1 (YYMMDD), once, with the time it took (after bench_client)
  local day=$1 iso="20${1:0:2}-${1:2:2}-${1:4:2}"
  printf '{"outcomes":[{"dossier":"H97.%d-%s-000001","unit":"20000","received":"%s","due":"%s","returned":"%s","complaints":0}]}' "$(date +%s)" "$day" "$iso" "$iso" "$iso" |
    curl -s -o /dev/null -w "a report of a dossier received $iso: HTTP %{http_code} in %{time_total} s\n" -H "Authorization: Bearer $(cat "$data/bench-client")" \
      -H 'Content-Type: application/json' --data-binary @- "http://$addr/api/v1/outcomes"
}

report_outcomes() { # the one-stop software reports $1 new dossiers, 1,000 to a request (after bench_client)
  local n=$1 sent=0 created=0
  [ "$n" -gt 0 ] || return 0
  local run=$(date +%s)
  while [ $sent -lt $n ]; do
    created=$((created + $(seq $sent $((sent + 999 < n - 1 ? sent + 999 : n - 1)) | awk -v run=$run 'BEGIN {printf "{\"outcomes\":["}
      {printf "%s{\"dossier\":\"H98.%d-260601-%06d\",\"unit\":\"20000\",\"received\":\"2026-06-01\",\"due\":\"2026-06-10\",\"returned\":\"2026-06-08\",\"complaints\":0}", (NR > 1 ? "," : ""), run, $1}
      END {print "]}"}' |
      curl -sf -H "Authorization: Bearer $(cat "$data/bench-client")" -H 'Content-Type: application/json' \
        --data-binary @- "http://$addr/api/v1/outcomes" | grep -o '"status":"created"' | wc -l)))
    sent=$((sent + 1000))
  done
  echo "reported $n new dossiers: $created created"
}
