package e2e

import (
	"sync"
	"testing"

	aggapp "hailong/aggregator/app"
)

// TestWalkInUsesSurviveARestart: phones race on one walk-in code, which
// gives exactly its maximum of ratings; after the aggregator restarts on
// the same database the code is still used up.
func TestWalkInUsesSurviveARestart(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	cfg := aggapp.Config{Listen: addr, DataDir: dir, DemoData: true} // the default maximum: 50
	agg := startAggregatorWith(t, cfg)
	cred := enrol(t, agg, "kiosk-1", centre)
	k := startKiosk(t, t.TempDir(), agg.URL(), cred, centre)
	defer k.Close()
	code := issueWalkIn(t, k.URL(), "lobby-1", 201)

	rating := map[string]any{"answers": map[string]any{"overall": 3}}
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			st, _ := postJSON(t, code.URL, rating, nil)
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[201] != 50 || statuses[429] != 10 {
		t.Fatalf("answers %v, want 50 ratings and 10 refusals", statuses)
	}

	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	agg = startAggregatorWith(t, cfg)
	defer agg.Close()
	if st, body := postJSON(t, code.URL, rating, nil); st != 429 {
		t.Fatalf("the 51st use after a restart: %d %s, want 429", st, body)
	}
	// One address sent them all at once: kept, flagged but the first.
	s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today(), "channel", "qr", "counter", "lobby-1", "include_flagged", "true"))
	if s.N != 50 {
		t.Fatalf("n = %d, want the 50 walk-in ratings", s.N)
	}
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today(), "channel", "qr", "counter", "lobby-1")); s.N != 1 {
		t.Errorf("n = %d unflagged, want the first only", s.N)
	}
}
