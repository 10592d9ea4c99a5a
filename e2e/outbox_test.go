package e2e

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	kioskapp "hailong/kiosk/app"
	"hailong/syncapi"
)

// outboxStatus is the kiosk's status with the outbox's health.
type outboxStatus struct {
	kioskStatus
	Quarantined int64  `json:"quarantined"`
	StoreError  string `json:"store_error"`
}

func healthz(t *testing.T, kioskURL string) int {
	t.Helper()
	resp, err := http.Get(kioskURL + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestOneCorruptOutboxEntry damages one of 300 queued ratings on a stopped
// kiosk's disk: the other 299 reach the aggregator, the damaged one is
// quarantined and counted, and the node stays healthy, since it can record.
func TestOneCorruptOutboxEntry(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	dir := t.TempDir()
	offline := startKiosk(t, dir, "", cred, centre)
	var ids []string
	for i := 0; i < 300; i++ {
		ids = append(ids, rate(t, offline.URL(), rating{Answers: map[string]any{"overall": 1 + i%3}}))
	}
	if err := offline.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "outbox.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	needle := []byte(`{"rating":{"id":"` + ids[150] + `"`)
	if !bytes.Contains(b, needle) {
		t.Fatal("rating 150 not found in the outbox file")
	}
	b = bytes.ReplaceAll(b, needle, append([]byte{'#'}, needle[1:]...))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

	k := startKiosk(t, dir, agg.URL(), cred, centre)
	defer k.Close()
	waitSynced(t, k.URL(), 299)
	var st outboxStatus
	getJSON(t, k.URL()+"/api/v1/status", &st)
	if st.Quarantined != 1 || st.Queued != 0 || st.StoreError != "" {
		t.Errorf("status = %+v, want 1 quarantined, none queued, no store error", st)
	}
	if code := healthz(t, k.URL()); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200: the node can record", code)
	}
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today())); s.N != 299 {
		t.Errorf("aggregator counts %d ratings, want 299", s.N)
	}
	// New ratings still flow.
	rate(t, k.URL(), rating{Answers: map[string]any{"overall": 3}})
	waitSynced(t, k.URL(), 300)
}

// smallDisk mounts a tmpfs of the given size for the test, or skips it
// where mounting is not permitted (CI runs as root and may).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small file system: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			// Still busy: detach it now, it goes once let go of.
			t.Errorf("umount %s: %v %s", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// TestKioskOnAFullDisk fills a kiosk's 2 MiB disk while the aggregator is
// away: ratings get 503 and /healthz says 503, nothing acknowledged is lost,
// and once the aggregator has them, pruning gives the space back.
func TestKioskOnAFullDisk(t *testing.T) {
	disk := smallDisk(t, "2m")
	aggAddr, aggDir := freeAddr(t), t.TempDir()
	var cred syncapi.Credential
	{
		agg := startAggregator(t, aggDir, aggAddr)
		cred = enrol(t, agg, "kiosk-1", centre)
		if err := agg.Close(); err != nil {
			t.Fatal(err)
		}
	}
	k := &kioskapp.Main{Config: kioskapp.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(disk, "kiosk"),
		Aggregator: "http://" + aggAddr, Credential: cred.String(), Unit: centre,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		KeepSynced: time.Millisecond, PruneEvery: 50 * time.Millisecond}, Logger: quiet}
	if err := k.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	pairSoftware(t, k)

	var recorded int
	for {
		status, body := postJSON(t, k.URL()+"/api/v1/ratings", rating{Questionnaire: "counter-quick", Answers: map[string]any{"overall": 2}}, nil)
		if status == http.StatusServiceUnavailable {
			break
		}
		if status != http.StatusCreated {
			t.Fatalf("record: %d %s", status, body)
		}
		if recorded++; recorded > 100000 {
			t.Fatal("the disk never filled")
		}
	}
	t.Logf("%d ratings filled a 2 MiB disk", recorded)
	if code := healthz(t, k.URL()); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz on a full disk = %d, want 503", code)
	}
	var st outboxStatus
	getJSON(t, k.URL()+"/api/v1/status", &st)
	t.Logf("store error: %s", st.StoreError)
	if st.Queued != int64(recorded) || st.StoreError == "" {
		t.Errorf("status on a full disk = %+v, want %d queued and the store error", st, recorded)
	}

	agg := startAggregator(t, aggDir, aggAddr)
	defer agg.Close()
	waitSynced(t, k.URL(), int64(recorded))
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today())); s.N != int64(recorded) {
		t.Errorf("aggregator counts %d ratings, want every one of the %d acknowledged", s.N, recorded)
	}
	waitFor(t, "/healthz 200 after pruning", func() bool { return healthz(t, k.URL()) == http.StatusOK })
	var again int
	for ; again < recorded/2; again++ {
		if status, body := postJSON(t, k.URL()+"/api/v1/ratings", rating{Questionnaire: "counter-quick", Answers: map[string]any{"overall": 3}}, nil); status != http.StatusCreated {
			t.Fatalf("after pruning, rating %d: %d %s", again, status, body)
		}
	}
	// Those reach the aggregator and are pruned too. (The file does not
	// shrink here: compacting it needs room for the copy, which this full
	// disk has not; the pages freed inside it are reused instead.)
	waitSynced(t, k.URL(), int64(recorded+again))
	waitFor(t, "/healthz 200 and no store error after pruning again", func() bool {
		st = outboxStatus{} // fields left out stay as they were otherwise
		getJSON(t, k.URL()+"/api/v1/status", &st)
		return st.StoreError == "" && healthz(t, k.URL()) == http.StatusOK
	})
}
