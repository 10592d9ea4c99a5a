package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/ferret"
	"hailong/assets"
	"hailong/syncapi"
)

// leaseTTL is short so that a takeover takes seconds; production's default
// is 15 s.
const leaseTTL, leaseSkew = "3s", "500ms"

// sharedDB is one database that several aggregator processes use, as a
// province's MongoDB is: the embedded FerretDB, run by the test, with the
// units imported, kiosk-1 enrolled at the centre and an analyst's token.
type sharedDB struct {
	uri, bin string
	cred     syncapi.Credential
	token    string
	// data is the one data directory the processes share, as two on one
	// machine may: the second to serve cannot open the first's rating
	// index and must serve without it.
	data string
}

func startSharedDB(t *testing.T) *sharedDB {
	t.Helper()
	emb, err := ferret.Start(t.Context(), t.TempDir(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	s := &sharedDB{uri: emb.URI(), bin: build(t, "aggregator"), data: t.TempDir()}
	run(t, s.bin, "units", "import", "-mongo-uri", s.uri, filepath.Join(moduleRoot(t), "assets", assets.DemoUnits))
	s.cred = parseCred(t, run(t, s.bin, "kiosk", "add", "-mongo-uri", s.uri, "-id", "kiosk-1", "-unit", centre))
	run(t, s.bin, "users", "add", "-mongo-uri", s.uri, "-username", "e2e-analyst", "-role", "analyst", "-scope", "24")
	s.token = "Bearer " + run(t, s.bin, "tokens", "add", "-mongo-uri", s.uri, "-username", "e2e-analyst", "-name", "e2e", "-expires", "1d")
	return s
}

// serve starts an aggregator process on the shared database with the
// lease, owning province 24 and whatever extra says; it returns once the
// process answers /healthz, as owner or standby.
func (s *sharedDB) serve(t *testing.T, extra ...string) *child {
	t.Helper()
	addr := freeAddr(t)
	registerToken("http://"+addr, s.token)
	args := append([]string{"serve", "-listen", addr, "-data", s.data, "-mongo-uri", s.uri, "-lease", "-lease-ttl", leaseTTL,
		"-lease-skew", leaseSkew, "-provinces", "24"}, extra...)
	return startChild(t, s.bin, addr, args...)
}

// ready reports whether the aggregator at base serves (answers /readyz).
func ready(base string) bool {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// kioskBatch is n ratings of kiosk-1 at the centre, of varied answers.
func kioskBatch(n, from int) syncapi.Request {
	var req syncapi.Request
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range n {
		req.Ratings = append(req.Ratings, hailong.Rating{ID: hailong.NewID(),
			Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1, Answers: hailong.Answers{"overall": hailong.Int(1 + (from+i)%3)}},
			Channel:    hailong.ChannelKiosk, Unit: centre, Kiosk: "kiosk-1", At: now})
	}
	return req
}

// TestStandbyTakesOverFromAKilledOwner runs two aggregator processes with
// the lease on one database: the first serves, the second waits as a
// standby (503 with Retry-After). A kiosk uploads to the owner, which is
// killed with SIGKILL in the middle of the stream; the kiosk sends what was
// not acknowledged to the standby, which takes the lease within the TTL
// and its start. In the end every rating is counted once, and the measures
// equal a fresh single aggregator's over the same ratings.
func TestStandbyTakesOverFromAKilledOwner(t *testing.T) {
	db := startSharedDB(t)
	owner := db.serve(t)
	waitFor(t, "the first aggregator to serve", func() bool { return ready(owner.url) })
	standby := db.serve(t)

	t.Run("the standby answers 503 and Retry-After", func(t *testing.T) {
		if ready(standby.url) {
			t.Fatal("the standby says it is ready")
		}
		_, err := kioskClient(standby.url, db.cred).Sync(t.Context(), kioskBatch(1, 0))
		var he *syncapi.HTTPError
		if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable {
			t.Fatalf("upload to the standby: %v, want 503", err)
		}
		if wait, ok := syncapi.RetryAfter(err); !ok || wait < time.Second {
			t.Errorf("the kiosk's client read Retry-After %v, %v from the standby; want a wait of a second or more", wait, ok)
		}
		req, _ := http.NewRequest("POST", standby.url+syncapi.Path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After on the standby's 503")
		}
		waitFor(t, "the standby to say who holds the lease", func() bool {
			return strings.Contains(standby.stderr.String(), "another process holds the lease")
		})
		t.Logf("RSS: owner %s, standby %s", vmRSS(owner), vmRSS(standby))
	})

	// The kiosk's side: each batch is sent until acknowledged, to the
	// owner and, when it does not answer, to the other process (as a
	// proxy in front of both would).
	const batches, size = 30, 10
	var sent []syncapi.Request
	bases := []string{owner.url, standby.url}
	current := 0
	var killed, tookOver time.Time
	dead := make(chan struct{})
	upload := func(req syncapi.Request) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			res, err := kioskClient(bases[current], db.cred).Sync(t.Context(), req)
			if err == nil {
				if current == 1 && tookOver.IsZero() {
					tookOver = time.Now()
				}
				for _, r := range res.Results {
					if r.Status != syncapi.Accepted && r.Status != syncapi.Duplicate {
						t.Fatalf("rating %s: %+v", r.ID, r)
					}
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no aggregator took the upload: %v", err)
			}
			current = 1 - current
			time.Sleep(100 * time.Millisecond)
		}
	}
	for b := range batches {
		req := kioskBatch(size, b*size)
		sent = append(sent, req)
		if b == batches/3 {
			// Mid-stream: this batch goes out while the owner dies.
			killed = time.Now()
			go func() { owner.kill(); close(dead) }()
		}
		upload(req)
	}
	<-dead
	waitFor(t, "the standby to serve", func() bool { return ready(standby.url) })
	t.Logf("the standby took its first upload %v after the owner was killed (TTL %s, skew %s, tries every second, then its start)",
		tookOver.Sub(killed).Round(10*time.Millisecond), leaseTTL, leaseSkew)
	// Its start was a crash start (today a rebuild; persist13 makes it a
	// checkpoint and a tail): not asserted, it is the ingester's to say.
	if !strings.Contains(standby.stderr.String(), "lease taken") {
		t.Errorf("the standby did not log its takeover:\n%s", standby.stderr)
	}
	// The kiosk did not hear the answer to a batch: it sends it again.
	upload(sent[batches/3])

	n := int64(batches * size)
	got := satisfactionOf(t, standby.url, q("unit", centre, "from", today(), "to", today()))
	if got.N != n {
		t.Fatalf("the new owner counts %d ratings, %d were acknowledged", got.N, n)
	}

	fresh := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer fresh.Close()
	cred := enrolSince(t, fresh, "kiosk-1", centre, time.Now().Add(-time.Hour))
	for _, req := range sent {
		syncOK(t, fresh.URL(), cred, req)
	}
	for _, unit := range []string{centre, "24"} {
		query := "/api/v1/measures?" + q("unit", unit, "from", today(), "to", today(), "breakdown", "units")
		var want, have any
		if st := getJSON(t, fresh.URL()+query, &want); st != 200 {
			t.Fatalf("fresh measures: %d", st)
		}
		if st := getJSON(t, standby.url+query, &have); st != 200 {
			t.Fatalf("measures after the takeover: %d", st)
		}
		if !reflect.DeepEqual(want, have) {
			a, _ := json.Marshal(want)
			b, _ := json.Marshal(have)
			t.Errorf("measures of %s after the takeover differ from a single aggregator's:\n%s\n%s", unit, b, a)
		}
	}
}

// TestPausedOwnerExitsWithoutWriting stops the owner (SIGSTOP) past its
// lease; the standby takes over. When the owner resumes it must not store
// anything more: an upload sent to it is refused (or finds it gone), it
// exits non-zero, and the database holds only what the new owner took.
func TestPausedOwnerExitsWithoutWriting(t *testing.T) {
	db := startSharedDB(t)
	owner := db.serve(t)
	waitFor(t, "the first aggregator to serve", func() bool { return ready(owner.url) })
	standby := db.serve(t)
	before := kioskBatch(10, 0)
	syncOK(t, owner.url, db.cred, before)

	if err := owner.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the standby to take over", func() bool { return ready(standby.url) })
	during := kioskBatch(10, 10)
	syncOK(t, standby.url, db.cred, during)
	if err := owner.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}

	// At once, before its next renewal: the resumed owner must refuse.
	late := kioskBatch(10, 20)
	if _, err := kioskClient(owner.url, db.cred).Sync(t.Context(), late); err == nil {
		t.Error("the resumed owner took an upload after its lease passed")
	}
	exited := make(chan error, 1)
	go func() { exited <- owner.cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Errorf("the resumed owner exited with %v, want a non-zero status", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the resumed owner did not exit")
	}
	if !strings.Contains(owner.stderr.String(), "lease lost") {
		t.Errorf("the old owner did not say it lost the lease:\n%s", owner.stderr)
	}

	// Nothing the old owner was sent after resuming was stored: the new
	// owner, and a rebuild from the raw ratings, count the 20 others.
	if s := satisfactionOf(t, standby.url, q("unit", centre, "from", today(), "to", today())); s.N != 20 {
		t.Errorf("the new owner counts %d ratings, want 20", s.N)
	}
	standby.kill()
	out := run(t, db.bin, "rebuild", "-mongo-uri", db.uri)
	if !strings.Contains(out, " 20 ratings") {
		t.Errorf("rebuild from the raw ratings: %q, want 20 ratings", out)
	}
}

// TestUploadsOfAnotherProvinceAreRefused: an aggregator owning provinces 48
// and 79 refuses the upload of a kiosk enrolled at a centre of province 24,
// saying so (403; the kiosk keeps the ratings queued), and stores nothing.
func TestUploadsOfAnotherProvinceAreRefused(t *testing.T) {
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true, Provinces: []string{"48", "79"}})
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	_, err := kioskClient(agg.URL(), cred).Sync(t.Context(), kioskBatch(3, 0))
	var he *syncapi.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusForbidden || !strings.Contains(he.Detail, "province 24") {
		t.Fatalf("upload from province 24: %v, want 403 naming province 24", err)
	}
	if s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today())); s.N != 0 {
		t.Errorf("%d ratings of another province counted", s.N)
	}
}

// vmRSS is a child's resident memory as /proc tells it, for the log.
func vmRSS(c *child) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return err.Error()
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return "unknown"
}

// TestOwnersOfDifferentProvincesNeedTheirOwnDatabase: a process owning
// province 48 refuses to serve on the database where another owns 24, as
// both would write the same rollups.
func TestOwnersOfDifferentProvincesNeedTheirOwnDatabase(t *testing.T) {
	db := startSharedDB(t)
	owner := db.serve(t)
	waitFor(t, "the first aggregator to serve", func() bool { return ready(owner.url) })
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, db.bin, "serve", "-listen", addr, "-mongo-uri", db.uri, "-lease",
		"-lease-ttl", leaseTTL, "-provinces", "48").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !strings.Contains(string(out), "need a database each") {
		t.Fatalf("a second owner of other provinces on the same database: %v\n%s", err, out)
	}
	if !ready(owner.url) {
		t.Error("the first owner stopped serving")
	}
}

// TestCleanStopHandsOverAtOnce: an owner stopped cleanly (SIGTERM) writes
// its rollups, releases its lease and exits 0; the standby takes over at
// its next try rather than after the TTL (ten minutes here, past the
// test's deadline), and counts what the owner took.
func TestCleanStopHandsOverAtOnce(t *testing.T) {
	db := startSharedDB(t)
	owner := db.serve(t, "-lease-ttl", "10m")
	waitFor(t, "the first aggregator to serve", func() bool { return ready(owner.url) })
	standby := db.serve(t, "-lease-ttl", "10m")
	syncOK(t, owner.url, db.cred, kioskBatch(25, 0))

	stopped := time.Now()
	if err := owner.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := owner.cmd.Wait(); err != nil {
		t.Fatalf("the owner's clean stop: %v\n%s", err, owner.stderr)
	}
	exited := time.Since(stopped)
	waitFor(t, "the standby to take over after the release", func() bool { return ready(standby.url) })
	t.Logf("the owner stopped in %v; the standby served %v after the stop began",
		exited.Round(10*time.Millisecond), time.Since(stopped).Round(10*time.Millisecond))
	if s := satisfactionOf(t, standby.url, q("unit", centre, "from", today(), "to", today())); s.N != 25 {
		t.Errorf("the new owner counts %d ratings, want 25", s.N)
	}
}
