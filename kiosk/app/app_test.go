package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/assets"
	"hailong/kiosk/app"
	"hailong/kiosk/bolt"
	"hailong/kiosk/configcache"
	"hailong/kiosk/terminals"
	"hailong/syncapi"
)

// aggregator is a double of the aggregator's kiosk calls: it publishes a
// configuration, accepts every upload and reports a clock an hour behind
// the kiosk's.
type aggregator struct {
	mu             sync.Mutex
	unit           string
	questionnaires []json.RawMessage
	ratings        []hailong.Rating
}

const offset = time.Hour

func (a *aggregator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case syncapi.Path:
		var in syncapi.Request
		json.NewDecoder(r.Body).Decode(&in)
		var out syncapi.Response
		for _, rt := range in.Ratings {
			a.ratings = append(a.ratings, rt)
			out.Results = append(out.Results, syncapi.Result{ID: rt.ID, Status: syncapi.Accepted})
		}
		json.NewEncoder(w).Encode(out)
	case syncapi.HeartbeatPath:
		json.NewEncoder(w).Encode(syncapi.HeartbeatResponse{Clock: time.Now().Add(-offset), ClockOffsetMS: offset.Milliseconds()})
	case syncapi.ConfigPath:
		json.NewEncoder(w).Encode(syncapi.Config{Kiosk: "k1", Unit: a.unit, UnitName: "Trung tâm", Questionnaires: a.questionnaires, Clock: time.Now().Add(-offset)})
	default:
		http.NotFound(w, r)
	}
}

func (a *aggregator) received() []hailong.Rating {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]hailong.Rating(nil), a.ratings...)
}

// published returns the embedded questionnaires as the aggregator
// publishes them, with counter-quick also in a version 2 whose title says so.
func published(t *testing.T) []json.RawMessage {
	t.Helper()
	names, err := fs.Glob(assets.FS(""), assets.QuestionnaireDir+"/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	for _, name := range names {
		b, err := fs.ReadFile(assets.FS(""), name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
		if strings.Contains(name, "counter-quick.v1") {
			var q map[string]any
			json.Unmarshal(b, &q)
			q["version"] = 2
			q["title"].(map[string]any)["en"] = "Version two"
			v2, _ := json.Marshal(q)
			out = append(out, v2)
		}
	}
	return out
}

// logs keeps the node's log.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.Write(p) }
func (l *logs) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

func start(t *testing.T, dir, aggregator, unit string, log io.Writer) *app.Main {
	t.Helper()
	cred, err := syncapi.NewCredential("k1")
	if err != nil {
		t.Fatal(err)
	}
	if log == nil {
		log = io.Discard
	}
	m := &app.Main{Config: app.Config{Listen: "127.0.0.1:0", DataDir: dir, Aggregator: aggregator, Credential: cred.String(),
		Unit: unit, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond},
		Logger: slog.New(slog.NewTextHandler(log, nil))}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("start kiosk: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// nowhere returns the address of an aggregator that is down.
func nowhere(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

type status struct {
	Queued        int64
	Problems      []string `json:"problems"`
	ClockOffsetMS *int64   `json:"clock_offset_ms"`
}

func get(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// offeredVersion is the version of counter-quick the node offers.
func offeredVersion(t *testing.T, kiosk string) int {
	t.Helper()
	var qs []struct {
		ID      string
		Version int
	}
	get(t, kiosk+"/api/v1/questionnaires", &qs)
	for _, q := range qs {
		if q.ID == "counter-quick" {
			return q.Version
		}
	}
	t.Fatalf("counter-quick is not offered: %+v", qs)
	return 0
}

// eventually waits for cond, failing after a generous deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

func rate(t *testing.T, m *app.Main) {
	t.Helper()
	resp, err := postRating(t, m)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("record rating: %s %s", resp.Status, b)
	}
}

func TestPublishedQuestionnairesAreOfferedAndSurviveARestartWithTheAggregatorDown(t *testing.T) {
	agg := &aggregator{unit: "TT-1", questionnaires: published(t)}
	srv := httptest.NewServer(agg)
	dir := t.TempDir()
	m := start(t, dir, srv.URL, "TT-1", nil)
	eventually(t, "the published version 2 is offered", func() bool { return offeredVersion(t, m.URL()) == 2 })
	rate(t, m)
	eventually(t, "the rating reaches the aggregator", func() bool { return len(agg.received()) == 1 })
	if got := agg.received()[0]; got.Version != 2 {
		t.Errorf("rating recorded in version %d, want the published 2", got.Version)
	}
	var st status
	get(t, m.URL()+"/api/v1/status", &st)
	if len(st.Problems) != 0 {
		t.Errorf("problems %q", st.Problems)
	}
	eventually(t, "the clock offset is shown", func() bool {
		get(t, m.URL()+"/api/v1/status", &st)
		return st.ClockOffsetMS != nil && *st.ClockOffsetMS > offset.Milliseconds()-2000 && *st.ClockOffsetMS < offset.Milliseconds()+2000
	})

	m.Close()
	srv.Close()
	m = start(t, dir, nowhere(t), "TT-1", nil)
	if v := offeredVersion(t, m.URL()); v != 2 {
		t.Errorf("after a restart with the aggregator down the node offers version %d, want the cached 2", v)
	}
}

func TestACorruptConfigurationCacheFallsBackToTheEmbeddedQuestionnaires(t *testing.T) {
	tests := []struct {
		name, cache string
	}{
		{"garbage", "\x00\x17not json"},
		{"empty", ""},
		{"cut short", `{"kiosk":"k1","unit":"TT-1","questionnaires":[{"id":"counter-qu`},
		{"no usable questionnaire", `{"kiosk":"k1","unit":"TT-1","questionnaires":[{"id":"x"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, configcache.Name), []byte(tt.cache), 0o600); err != nil {
				t.Fatal(err)
			}
			log := &logs{}
			m := start(t, dir, nowhere(t), "TT-1", log)
			if v := offeredVersion(t, m.URL()); v != 1 {
				t.Errorf("offers version %d, want the embedded 1", v)
			}
			rate(t, m)
			if !strings.Contains(log.String(), "level=ERROR") {
				t.Errorf("no error logged about the cache:\n%s", log)
			}
		})
	}
}

func TestAUnitThatDoesNotMatchItsEnrolmentIsInTheStatus(t *testing.T) {
	agg := &aggregator{unit: "TT-OTHER", questionnaires: published(t)}
	srv := httptest.NewServer(agg)
	dir := t.TempDir()
	log := &logs{}
	m := start(t, dir, srv.URL, "TT-1", log)
	mismatch := func(st status) bool {
		return len(st.Problems) == 1 && strings.Contains(st.Problems[0], "unit mismatch") && strings.Contains(st.Problems[0], "TT-OTHER")
	}
	var st status
	eventually(t, "the status shows the mismatch", func() bool { get(t, m.URL()+"/api/v1/status", &st); return mismatch(st) })
	if n := strings.Count(log.String(), "does not match its enrolment"); n != 1 {
		t.Errorf("mismatch logged %d times, want once", n)
	}
	// Known at start from the cache, before the aggregator answers.
	m.Close()
	srv.Close()
	m = start(t, dir, nowhere(t), "TT-1", nil)
	get(t, m.URL()+"/api/v1/status", &st)
	if !mismatch(st) {
		t.Errorf("after a restart with the aggregator down, problems %q", st.Problems)
	}
}

// TestAFailedReopenAfterCompactionEndsTheNode: ratings uploaded and pruned,
// the outbox is compacted and cannot be opened again: the node reports it
// on Done (main exits 1 and systemd restarts it) instead of answering 503
// for ever, and a restart finds every rating.
func TestAFailedReopenAfterCompactionEndsTheNode(t *testing.T) {
	agg := &aggregator{unit: "TT-1", questionnaires: published(t)}
	srv := httptest.NewServer(agg)
	defer srv.Close()
	dir := t.TempDir()
	cred, err := syncapi.NewCredential("k1")
	if err != nil {
		t.Fatal(err)
	}
	m := &app.Main{Config: app.Config{Listen: "127.0.0.1:0", DataDir: dir, Aggregator: srv.URL, Credential: cred.String(),
		Unit: "TT-1", MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		KeepSynced: time.Nanosecond, PruneEvery: 20 * time.Millisecond},
		Logger: slog.New(slog.DiscardHandler)}
	app.FailReopenAfterCompaction(m)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// Enough pruned to be worth a compaction, which may come between two
	// ratings: from then on the node refuses them, as it must.
	n := 0
	for range 600 {
		resp, err := postRating(t, m)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			break
		}
		n++
	}
	select {
	case err, ok := <-m.Done():
		if !ok || !errors.Is(err, bolt.ErrReopen) {
			t.Fatalf("Done gave %v (a value: %v), want ErrReopen", err, ok)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the node with a closed outbox did not end")
	}
	m.Close()
	m2 := start(t, dir, srv.URL, "TT-1", nil)
	eventually(t, "every rating recorded is delivered after the restart", func() bool {
		var st struct{ Queued, Synced int64 }
		get(t, m2.URL()+"/api/v1/status", &st)
		return st.Queued == 0 && st.Synced == int64(n) && len(agg.received()) >= n
	})
}

// TestANodeBehindTheAggregatorsLastClockRecordsNothing: the cached
// configuration says the aggregator's clock was a day ahead of the node's
// now (the node booted without a real-time clock and the aggregator is
// down): the node refuses ratings and says why in /healthz and the status,
// rather than thank citizens for ratings the aggregator would refuse.
func TestANodeBehindTheAggregatorsLastClockRecordsNothing(t *testing.T) {
	dir := t.TempDir()
	c := syncapi.Config{Kiosk: "k1", Unit: "TT-1", Questionnaires: published(t), Clock: time.Now().Add(24 * time.Hour)}
	if err := configcache.Save(filepath.Join(dir, configcache.Name), c); err != nil {
		t.Fatal(err)
	}
	m := start(t, dir, nowhere(t), "TT-1", nil)
	resp, err := postRating(t, m)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "clock is wrong") {
		t.Errorf("rating: %s %s, want 503 saying the clock is wrong", resp.Status, b)
	}
	resp, err = http.Get(m.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz: %s, want 503", resp.Status)
	}
	var st status
	get(t, m.URL()+"/api/v1/status", &st)
	if st.Queued != 0 || len(st.Problems) != 1 || !strings.Contains(st.Problems[0], "aggregator's clock at the last contact") {
		t.Errorf("status: %+v", st)
	}
}

// postRating posts a rating to the node as the one-stop software, paired
// with it once.
func postRating(t *testing.T, m *app.Main) (*http.Response, error) {
	t.Helper()
	token, ok := software[m]
	if !ok {
		var err error
		if _, token, err = m.Terminals().Issue(terminals.Software, "motcua", ""); err != nil {
			t.Fatal(err)
		}
		software[m] = token
	}
	req, _ := http.NewRequest("POST", m.URL()+"/api/v1/ratings", strings.NewReader(`{"questionnaire":"counter-quick","answers":{"overall":3}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return http.DefaultClient.Do(req)
}

// software holds the one-stop software's token at each node.
var software = map[*app.Main]string{}
