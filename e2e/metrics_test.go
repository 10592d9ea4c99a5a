package e2e

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	aggapp "hailong/aggregator/app"
	kioskapp "hailong/kiosk/app"
)

// TestMetrics scrapes /metrics from the debug addresses of a running
// aggregator and kiosk node: a rating recorded and uploaded moves the
// counters of both, and a rating sent again does not.
func TestMetrics(t *testing.T) {
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true, DebugListen: "127.0.0.1:0"})
	defer agg.Close()
	cred := enrol(t, agg, "metrics-1", centre)
	k := &kioskapp.Main{Config: kioskapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Aggregator: agg.URL(), Credential: cred.String(),
		Unit: centre, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, DebugListen: "127.0.0.1:0"}, Logger: quiet}
	if err := k.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	pairSoftware(t, k)
	if k.DebugURL() == "" || agg.DebugURL() == "" {
		t.Fatal("no debug address")
	}

	before := scrape(t, k.DebugURL())
	for _, name := range []string{"hailong_kiosk_ratings_recorded_total", `hailong_kiosk_outbox_ratings{state="queued"}`,
		"go_memstats_heap_alloc_bytes", "process_open_fds", "hailong_http_max_connections"} {
		if _, ok := before[name]; !ok {
			t.Errorf("kiosk: no %s", name)
		}
	}
	r := rating{ID: "0190a0b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b", Questionnaire: "counter-quick", Answers: map[string]any{"overall": 3}}
	rate(t, k.URL(), r)
	if status, body := postJSON(t, k.URL()+"/api/v1/ratings", r, nil); status != http.StatusOK {
		t.Fatalf("the same rating again: %d %s", status, body)
	}
	waitSynced(t, k.URL(), 1)

	kiosk := scrape(t, k.DebugURL())
	for name, want := range map[string]float64{
		"hailong_kiosk_ratings_recorded_total":                                                           1,
		`hailong_kiosk_outbox_ratings{state="queued"}`:                                                   0,
		`hailong_kiosk_outbox_ratings{state="synced"}`:                                                   1,
		`hailong_http_request_duration_seconds_count{class="2xx",method="POST",route="/api/v1/ratings"}`: 2,
	} {
		if got, ok := kiosk[name]; !ok || got != want {
			t.Errorf("kiosk: %s = %v (reported: %v), want %v", name, got, ok, want)
		}
	}
	if kiosk[`hailong_kiosk_aggregator_calls_total{call="sync",outcome="2xx"}`] < 1 {
		t.Errorf("kiosk: no upload counted")
	}

	aggregator := scrape(t, agg.DebugURL())
	for name, want := range map[string]float64{
		`hailong_aggregator_ratings_accepted_total{channel="kiosk"}`:            1,
		`hailong_aggregator_ingest_results_total{status="accepted",via="sync"}`: 1,
		"hailong_aggregator_rollup_ratings":                                     1,
		"hailong_aggregator_rollup_cells":                                       1,
		`hailong_aggregator_rollup_months_resident{rollup="main"}`:              1,
		`hailong_aggregator_rollup_months_cold{rollup="main"}`:                  0,
		`hailong_aggregator_rollup_months_resident{rollup="flagged"}`:           0,
	} {
		if got, ok := aggregator[name]; !ok || got != want {
			t.Errorf("aggregator: %s = %v (reported: %v), want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{`hailong_http_request_duration_seconds_count{class="2xx",method="POST",route="/api/v1/sync"}`,
		"go_memstats_heap_alloc_bytes"} {
		if aggregator[name] <= 0 {
			t.Errorf("aggregator: %s = %v", name, aggregator[name])
		}
	}
	for series := range aggregator {
		if strings.Contains(series, `route="/api/v1/sync/`) || strings.Contains(series, "0190a0b2") {
			t.Errorf("aggregator: a raw path as a label: %s", series)
		}
	}
}

// scrape reads a /metrics page as series (name and labels, as printed)
// and values.
func scrape(t *testing.T, debugURL string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(debugURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
