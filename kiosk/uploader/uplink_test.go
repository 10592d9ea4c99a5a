package uploader_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/kiosk/uploader"
	"hailong/syncapi"
)

// aggregator is a double of the aggregator's kiosk calls: it takes ratings
// of questionnaire versions it knows and of its enrolled unit, and defers
// the others, as the real one does.
type aggregator struct {
	mu        sync.Mutex
	kiosk     string
	unit      string
	known     map[string]bool // "id@version"
	oldStyle  bool            // serves neither heartbeats nor configurations
	offsetMS  int64
	uploads   []syncapi.Request
	syncTimes []time.Time
	beats     []syncapi.Health
	configs   int
	healthz   int
}

func newAggregator(unit string, known ...string) *aggregator {
	a := &aggregator{kiosk: "k1", unit: unit, known: map[string]bool{}}
	for _, k := range known {
		a.known[k] = true
	}
	return a
}

func (a *aggregator) learn(key string) { a.mu.Lock(); a.known[key] = true; a.mu.Unlock() }

func (a *aggregator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.URL.Path == "/healthz" {
		a.healthz++
		w.Write([]byte("ok"))
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "+a.kiosk+".") {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"type":"urn:hailong:problem:unauthorized","title":"Unauthorized","status":401,"detail":"The kiosk credential is not valid."}`))
		return
	}
	answer := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.URL.Path == syncapi.Path && r.Method == http.MethodPost:
		var in syncapi.Request
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.uploads = append(a.uploads, in)
		a.syncTimes = append(a.syncTimes, time.Now())
		var out syncapi.Response
		for _, rt := range in.Ratings {
			res := syncapi.Result{ID: rt.ID, Status: syncapi.Accepted}
			switch key := fmt.Sprintf("%s@%d", rt.Questionnaire, rt.Version); {
			case !a.known[key]:
				res.Status, res.Reason = syncapi.Deferred, "unknown questionnaire version "+key
			case rt.Unit != a.unit:
				res.Status, res.Reason = syncapi.Deferred, "the kiosk is enrolled for unit "+a.unit
			}
			out.Results = append(out.Results, res)
		}
		answer(out)
	case r.URL.Path == syncapi.HeartbeatPath && r.Method == http.MethodPost && !a.oldStyle:
		var h syncapi.Health
		if err := json.NewDecoder(r.Body).Decode(&h); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.beats = append(a.beats, h)
		answer(syncapi.HeartbeatResponse{Clock: h.Clock.Add(-time.Duration(a.offsetMS) * time.Millisecond), ClockOffsetMS: a.offsetMS})
	case r.URL.Path == syncapi.ConfigPath && r.Method == http.MethodGet && !a.oldStyle:
		a.configs++
		answer(syncapi.Config{Kiosk: a.kiosk, Unit: a.unit, Questionnaires: []json.RawMessage{}, Clock: time.Now()})
	default:
		http.NotFound(w, r)
	}
}

func (a *aggregator) uploadCount() int { a.mu.Lock(); defer a.mu.Unlock(); return len(a.uploads) }

// inMemory lets a handler answer an http.Client without a network, for
// tests in a synctest bubble.
type inMemory struct{ http.Handler }

func (h inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

func queued(unit, questionnaire string, version int) hailong.Rating {
	return hailong.Rating{ID: hailong.NewID(), Unit: unit, Kiosk: "k1", Channel: hailong.ChannelKiosk,
		Submission: hailong.Submission{Questionnaire: questionnaire, Version: version}}
}

// serve starts the double on a real loopback port.
func serve(t *testing.T, a *aggregator) string {
	t.Helper()
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv.URL
}

func newUploader(t *testing.T, box uploader.Outbox, url string, c uploader.Config) *uploader.Uploader {
	t.Helper()
	cred, err := syncapi.NewCredential("k1")
	if err != nil {
		t.Fatal(err)
	}
	c.Outbox, c.Aggregator, c.Credential = box, url, cred
	if c.Unit == "" {
		c.Unit = "TT-1"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return uploader.New(c)
}

func TestDeferredRatingsStayQueuedUntilTheAggregatorKnowsThem(t *testing.T) {
	agg := newAggregator("TT-1", "counter-quick@1")
	box := &memOutbox{}
	old1, old2 := queued("TT-1", "counter-quick", 2), queued("TT-1", "counter-quick", 2)
	fresh := queued("TT-1", "counter-quick", 1)
	box.queue = []hailong.Rating{old1, old2, fresh}
	// No backoff: the deferred ratings' turn comes again at once.
	u := newUploader(t, box, serve(t, agg), uploader.Config{Batch: 2, MinBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond})
	ctx := t.Context()

	// The head of the queue is deferred: it stays, and counts as a failure
	// whose reason the operator sees.
	n, err := u.SyncOnce(ctx)
	if n != 0 || !errors.Is(err, uploader.ErrDeferred) {
		t.Fatalf("first batch: %d, %v; want 0 and a deferral", n, err)
	}
	if _, msg := u.LastAttempt(); !strings.Contains(msg, "unknown questionnaire version counter-quick@2") {
		t.Errorf("last error %q does not say why the ratings wait", msg)
	}
	// The deferred head does not block the rating behind it.
	if n, err := u.SyncOnce(ctx); n != 1 || err != nil {
		t.Fatalf("second batch: %d, %v; want the newer rating through", n, err)
	}
	if box.len() != 2 {
		t.Fatalf("%d queued, want the 2 deferred", box.len())
	}
	// Only deferred ratings left: after the backoff they are offered
	// again, and deferred again.
	if _, err := u.SyncOnce(ctx); !errors.Is(err, uploader.ErrDeferred) {
		t.Fatalf("third batch: %v, want a deferral", err)
	}
	agg.learn("counter-quick@2")
	for i := 0; box.len() > 0 && i < 3; i++ {
		if _, err := u.SyncOnce(ctx); err != nil && !errors.Is(err, uploader.ErrDeferred) {
			t.Fatal(err)
		}
	}
	if box.len() != 0 {
		t.Fatalf("%d ratings still queued after the aggregator learned their questionnaire", box.len())
	}
	if len(box.settled) != 3 {
		t.Errorf("settled %d, want 3", len(box.settled))
	}
	if _, msg := u.LastAttempt(); msg != "" {
		t.Errorf("last error %q after every rating was delivered", msg)
	}
}

func TestDeferredRatingsAreRetriedWithBackoffNotInALoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		agg := newAggregator("TT-1") // knows no questionnaire
		box := &memOutbox{}
		for range 3 {
			box.queue = append(box.queue, queued("TT-1", "counter-quick", 1))
		}
		cred, _ := syncapi.NewCredential("k1")
		u := uploader.New(uploader.Config{Outbox: box, Aggregator: "http://aggregator.test", Credential: cred, Unit: "TT-1",
			Client: &http.Client{Transport: inMemory{agg}}, MinBackoff: time.Second, MaxBackoff: 8 * time.Second,
			Logger: slog.New(slog.DiscardHandler)})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { u.Run(ctx); close(done) }()
		time.Sleep(time.Minute)
		synctest.Wait()
		cancel()
		<-done
		agg.mu.Lock()
		defer agg.mu.Unlock()
		// Backoff 1, 2, 4, 8, 8, … seconds (half of it at least): a minute
		// holds at most 1 + 14 uploads, where a loop would make thousands.
		if n := len(agg.syncTimes); n < 3 || n > 15 {
			t.Errorf("%d uploads in a minute of deferrals, want a handful", n)
		}
		for i := 1; i < len(agg.syncTimes); i++ {
			if gap := agg.syncTimes[i].Sub(agg.syncTimes[i-1]); gap < 500*time.Millisecond {
				t.Errorf("upload %d came %v after the one before", i+1, gap)
			}
		}
		// Each deferral asks the aggregator for its configuration again.
		if agg.configs < 2 {
			t.Errorf("configuration read %d times, want at start and after deferrals", agg.configs)
		}
		if box.len() != 3 {
			t.Errorf("%d queued, want all 3 kept", box.len())
		}
	})
}

// failingOutbox cannot read its queue.
type failingOutbox struct{ memOutbox }

func (*failingOutbox) PendingAfter(uint64, int) ([]hailong.Rating, []uint64, error) {
	return nil, nil, errors.New("decode queued rating 0193: invalid character")
}

func TestAnUnreadableOutboxIsRecordedAsTheLastAttempt(t *testing.T) {
	u := newUploader(t, &failingOutbox{}, serve(t, newAggregator("TT-1")), uploader.Config{})
	if _, err := u.SyncOnce(t.Context()); err == nil {
		t.Fatal("SyncOnce succeeded on an unreadable outbox")
	}
	at, msg := u.LastAttempt()
	if at.IsZero() || !strings.Contains(msg, "read outbox") {
		t.Errorf("last attempt %v %q, want the outbox's error recorded", at, msg)
	}
	if reachable, known := u.Reachable(); reachable || !known {
		t.Errorf("reachable %v known %v, want a failing link", reachable, known)
	}
}

func TestUploadsAndHeartbeatsCarryTheNodesHealth(t *testing.T) {
	agg := newAggregator("TT-1", "counter-quick@1")
	agg.offsetMS = 1500
	box := &memOutbox{queue: []hailong.Rating{queued("TT-1", "counter-quick", 1)}}
	u := newUploader(t, box, serve(t, agg), uploader.Config{Health: func() syncapi.Health {
		return syncapi.Health{Queued: 7, FreeDisk: 12345, LastError: "disk nearly full"}
	}})
	before := time.Now()
	if n, err := u.SyncOnce(t.Context()); n != 1 || err != nil {
		t.Fatalf("upload: %d, %v", n, err)
	}
	if n, err := u.SyncOnce(t.Context()); n != 0 || err != nil {
		t.Fatalf("heartbeat: %d, %v", n, err)
	}
	agg.mu.Lock()
	defer agg.mu.Unlock()
	up := agg.uploads[0]
	if up.SentAt == nil || up.SentAt.Before(before) || up.Health == nil {
		t.Fatalf("upload sent at %v with health %v", up.SentAt, up.Health)
	}
	if len(agg.beats) != 1 {
		t.Fatalf("%d heartbeats, want 1", len(agg.beats))
	}
	for name, h := range map[string]syncapi.Health{"upload": *up.Health, "heartbeat": agg.beats[0]} {
		if h.Queued != 7 || h.FreeDisk != 12345 || h.Unit != "TT-1" || h.Version == "" || h.Clock.Before(before) ||
			!strings.Contains(h.LastError, "disk nearly full") {
			t.Errorf("%s health %+v", name, h)
		}
	}
	if d, ok := u.ClockOffset(); !ok || d != 1500*time.Millisecond {
		t.Errorf("clock offset %v %v, want the aggregator's 1.5s", d, ok)
	}
}

func TestAnOldAggregatorIsAskedItsHealthInsteadOfAHeartbeat(t *testing.T) {
	agg := newAggregator("TT-1")
	agg.oldStyle = true
	u := newUploader(t, &memOutbox{}, serve(t, agg), uploader.Config{})
	if _, err := u.SyncOnce(t.Context()); err != nil {
		t.Fatalf("idle check against an old aggregator: %v", err)
	}
	if reachable, _ := u.Reachable(); !reachable || agg.healthz != 1 {
		t.Errorf("reachable %v after %d /healthz", reachable, agg.healthz)
	}
	if err := u.FetchConfig(t.Context()); !errors.Is(err, syncapi.ErrNotFound) {
		t.Errorf("configuration from an old aggregator: %v, want ErrNotFound", err)
	}
}

// records keeps log records.
type records struct {
	mu  sync.Mutex
	msg []string
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msg = append(r.msg, rec.Level.String()+" "+rec.Message)
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

func (r *records) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msg {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	return n
}

func TestAUnitThatDoesNotMatchTheEnrolmentIsShownNotHidden(t *testing.T) {
	agg := newAggregator("TT-2", "counter-quick@1")
	box := &memOutbox{queue: []hailong.Rating{queued("TT-1", "counter-quick", 1)}}
	logs := &records{}
	var published []syncapi.Config
	u := newUploader(t, box, serve(t, agg), uploader.Config{Unit: "TT-1", Logger: slog.New(logs),
		OnConfig: func(c syncapi.Config) { published = append(published, c) }})
	ctx := t.Context()
	for range 3 {
		if err := u.FetchConfig(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(published) != 3 || published[0].Unit != "TT-2" {
		t.Errorf("configurations handed on: %+v", published)
	}
	if p := u.Problems(); len(p) != 1 || !strings.Contains(p[0], "unit mismatch") || !strings.Contains(p[0], "kiosk reassign -unit TT-2 -from TT-1") {
		t.Fatalf("problems %q, want the unit mismatch and what to run", p)
	}
	if n := logs.count("ERROR the node's unit does not match"); n != 1 {
		t.Errorf("the mismatch was logged %d times, want once", n)
	}
	// Every sync says it: the upload's error and the health report.
	_, err := u.SyncOnce(ctx)
	if !errors.Is(err, uploader.ErrDeferred) || !strings.Contains(err.Error(), "unit mismatch") {
		t.Errorf("sync error %v, want a deferral naming the unit mismatch", err)
	}
	agg.mu.Lock()
	lastErr := agg.uploads[0].Health.LastError
	agg.mu.Unlock()
	if !strings.Contains(lastErr, "unit mismatch") {
		t.Errorf("health last error %q, want the unit mismatch", lastErr)
	}
	if box.len() != 1 {
		t.Error("the rating left the queue")
	}
	// Enrolled again for the right unit: the problem goes, the rating too.
	agg.mu.Lock()
	agg.unit = "TT-1"
	agg.mu.Unlock()
	if err := u.FetchConfig(ctx); err != nil {
		t.Fatal(err)
	}
	if p := u.Problems(); len(p) != 0 {
		t.Errorf("problems %q after the enrolment was fixed", p)
	}
	if n, err := u.SyncOnce(ctx); n != 1 || err != nil {
		t.Errorf("sync after the fix: %d, %v", n, err)
	}
}

func TestTheClientSaysWhatTheAggregatorRefused(t *testing.T) {
	url := serve(t, newAggregator("TT-1"))
	other, _ := syncapi.NewCredential("k2")
	c := &syncapi.Client{BaseURL: url, Credential: other}
	_, err := c.Sync(t.Context(), syncapi.Request{})
	if !errors.Is(err, syncapi.ErrUnauthorized) || !strings.Contains(err.Error(), "The kiosk credential is not valid.") {
		t.Errorf("sync with another kiosk's credential: %v", err)
	}
	tooLarge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		w.Write([]byte(`{"title":"Request Entity Too Large","status":413,"detail":"at most 8 MiB per upload"}`))
	}))
	defer tooLarge.Close()
	c.BaseURL = tooLarge.URL
	_, err = c.Sync(t.Context(), syncapi.Request{})
	if !errors.Is(err, syncapi.ErrTooLarge) || !strings.Contains(err.Error(), "at most 8 MiB") {
		t.Errorf("oversized upload: %v", err)
	}
}

func TestAHealthReportKeepsWithinTheAggregatorsLimits(t *testing.T) {
	agg := newAggregator("TT-1")
	reasons := map[string]int64{}
	var total int64
	for i := range 100 {
		reasons[fmt.Sprintf("rejected: reason %03d", i)] = int64(i + 1)
		total += int64(i + 1)
	}
	u := newUploader(t, &memOutbox{}, serve(t, agg), uploader.Config{Health: func() syncapi.Health {
		return syncapi.Health{Failed: total, FailedReasons: reasons, LastError: strings.Repeat("đ", 3000)}
	}})
	if _, err := u.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	agg.mu.Lock()
	h := agg.beats[0]
	agg.mu.Unlock()
	var sum int64
	for _, n := range h.FailedReasons {
		sum += n
	}
	if len(h.FailedReasons) > 64 || sum != total || h.FailedReasons["rejected: reason 099"] != 100 {
		t.Errorf("%d reasons summing to %d, want at most 64 summing to %d with the most frequent kept", len(h.FailedReasons), sum, total)
	}
	if n := len([]rune(h.LastError)); n > 2000 {
		t.Errorf("last error of %d characters", n)
	}
}
