package e2e

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hailong/assets"
)

// TestKioskKilledRightAfterAcknowledging runs the kiosk as a real child
// process and kills it with SIGKILL straight after a 201, several times.
// Every acknowledged rating must reach the aggregator exactly once.
func TestKioskKilledRightAfterAcknowledging(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	bin := build(t, "kiosk")
	data := t.TempDir()
	acknowledged := 0
	for round := 0; round < 4; round++ {
		addr := freeAddr(t)
		k := startChild(t, bin, addr, "-listen", addr, "-data", data, "-aggregator", agg.URL(),
			"-credential", cred.String(), "-unit", centre, "-max-backoff", "200ms")
		for i := 0; i < 10+round; i++ {
			rate(t, k.url, rating{Answers: map[string]any{"overall": 3}})
			acknowledged++
		}
		k.kill() // no shutdown of any kind: right after the last 201
	}
	addr := freeAddr(t)
	k := startChild(t, bin, addr, "-listen", addr, "-data", data, "-aggregator", agg.URL(),
		"-credential", cred.String(), "-unit", centre, "-max-backoff", "200ms")
	defer k.kill()
	waitSynced(t, k.url, int64(acknowledged))
	s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today()))
	if s.N != int64(acknowledged) {
		t.Fatalf("aggregator counts %d ratings, the kiosk acknowledged %d", s.N, acknowledged)
	}
}

// TestAggregatorKilledAfterAcknowledging kills the real aggregator process
// with SIGKILL after it acknowledged uploads and before it persisted its
// rollups cleanly; on restart it must count every rating once, from the
// journal since its last checkpoint. It drives
// the aggregator's maintenance commands as an operator would.
func TestAggregatorKilledAfterAcknowledging(t *testing.T) {
	bin := build(t, "aggregator")
	data := t.TempDir()
	run(t, bin, "units", "import", "-data", data, filepath.Join(moduleRoot(t), "assets", assets.DemoUnits))
	cred := run(t, bin, "kiosk", "add", "-data", data, "-id", "kiosk-1", "-unit", centre)
	if !strings.HasPrefix(cred, "kiosk-1.") {
		t.Fatalf("credential = %q", cred)
	}
	if list := run(t, bin, "kiosk", "list", "-data", data); !strings.Contains(list, "kiosk-1") {
		t.Fatalf("kiosk list = %q", list)
	}
	// Before serving: one process at a time opens the embedded database.
	run(t, bin, "users", "add", "-data", data, "-username", "e2e-analyst", "-role", "analyst", "-scope", "24")
	tok := run(t, bin, "tokens", "add", "-data", data, "-username", "e2e-analyst", "-name", "e2e", "-expires", "1d")
	addr := freeAddr(t)
	registerToken("http://"+addr, "Bearer "+tok)
	agg := startChild(t, bin, addr, "serve", "-listen", addr, "-data", data)
	k := startKiosk(t, t.TempDir(), agg.url, parseCred(t, cred), centre)
	defer k.Close()
	for i := 0; i < 20; i++ {
		rate(t, k.URL(), rating{Answers: map[string]any{"overall": 1 + i%3}})
	}
	waitSynced(t, k.URL(), 20)
	agg.kill()

	for i := 0; i < 10; i++ {
		rate(t, k.URL(), rating{Answers: map[string]any{"overall": 2}})
	}
	agg = startChild(t, bin, addr, "serve", "-listen", addr, "-data", data)
	defer agg.kill()
	waitSynced(t, k.URL(), 30)
	s := satisfactionOf(t, agg.url, q("unit", centre, "from", today(), "to", today()))
	if s.N != 30 || s.Satisfied != 23 {
		t.Fatalf("after the crash: n=%d satisfied=%d, want 30 and 23", s.N, s.Satisfied)
	}
	if !strings.Contains(agg.stderr.String(), "journal tail replayed") {
		t.Errorf("the restarted aggregator should have replayed the journal since its last checkpoint:\n%s", agg.stderr)
	}
	// The offline rebuild command agrees.
	agg.kill()
	if out := run(t, bin, "rebuild", "-data", data); !strings.Contains(out, "30 ratings") {
		t.Errorf("rebuild said %q", out)
	}
}

// TestAggregatorKilledWhileIngestingReplaysTheTail kills the real
// aggregator with SIGKILL at random points while a kiosk uploads and
// checkpoints are taken (every 7 ratings), several times. Each restart must
// load the last checkpoint and replay the journal since (its log says so),
// not rebuild from the raw ratings; in the end every rating the kiosk took
// is counted once, as the offline rebuild from raw ratings counts them.
func TestAggregatorKilledWhileIngestingReplaysTheTail(t *testing.T) {
	bin := build(t, "aggregator")
	data := t.TempDir()
	run(t, bin, "units", "import", "-data", data, filepath.Join(moduleRoot(t), "assets", assets.DemoUnits))
	cred := run(t, bin, "kiosk", "add", "-data", data, "-id", "kiosk-1", "-unit", centre)
	run(t, bin, "users", "add", "-data", data, "-username", "e2e-analyst", "-role", "analyst", "-scope", "24")
	tok := run(t, bin, "tokens", "add", "-data", data, "-username", "e2e-analyst", "-name", "e2e", "-expires", "1d")
	addr := freeAddr(t)
	registerToken("http://"+addr, "Bearer "+tok)
	serve := []string{"serve", "-listen", addr, "-data", data, "-checkpoint-ratings", "7"}
	agg := startChild(t, bin, addr, serve...)
	k := startKiosk(t, t.TempDir(), agg.url, parseCred(t, cred), centre)
	defer k.Close()
	rng := rand.New(rand.NewPCG(13, 13))
	rated, satisfied := 0, 0
	rateSome := func(n int) {
		for range n {
			overall := 1 + rng.IntN(3)
			rate(t, k.URL(), rating{Answers: map[string]any{"overall": overall}})
			rated++
			if overall >= 2 {
				satisfied++
			}
		}
	}
	checkpointed := false
	for round := range 3 {
		rateSome(10 + rng.IntN(20))                                 // uploaded as they come
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond) // a random point of the uploads
		checkpointed = checkpointed || strings.Contains(agg.stderr.String(), "msg=checkpoint")
		agg.kill()
		rateSome(rng.IntN(10)) // queued while the aggregator is down
		agg = startChild(t, bin, addr, serve...)
		if log := agg.stderr.String(); !strings.Contains(log, "journal tail replayed") || strings.Contains(log, "rebuil") {
			t.Fatalf("round %d: the restart should have replayed the journal, not rebuilt:\n%s", round, log)
		}
	}
	defer agg.kill()
	waitSynced(t, k.URL(), int64(rated))
	s := satisfactionOf(t, agg.url, q("unit", centre, "from", today(), "to", today()))
	if s.N != int64(rated) || s.Satisfied != int64(satisfied) {
		t.Fatalf("after the crashes: n=%d satisfied=%d, want %d and %d", s.N, s.Satisfied, rated, satisfied)
	}
	if !checkpointed {
		t.Error("no checkpoint was taken before a kill")
	}
	agg.kill()
	if out := run(t, bin, "rebuild", "-data", data); !strings.Contains(out, fmt.Sprintf(" %d ratings", rated)) {
		t.Errorf("rebuild from raw ratings said %q, want %d ratings", out, rated)
	}
}
