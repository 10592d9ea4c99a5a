package uploader_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/kiosk/uploader"
	"hailong/syncapi"
)

// memOutbox is an in-memory outbox.
// Tests append to queue; a rating's sequence is given when it is first
// read, in queue order, as bolt gives it when it is recorded.
type memOutbox struct {
	mu      sync.Mutex
	queue   []hailong.Rating
	settled []syncapi.Result
	seq     map[string]uint64
	last    uint64
}

func (m *memOutbox) PendingAfter(after uint64, limit int) ([]hailong.Rating, []uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seq == nil {
		m.seq = map[string]uint64{}
	}
	var out []hailong.Rating
	var seqs []uint64
	for _, r := range m.queue {
		if m.seq[r.ID] == 0 {
			m.last++
			m.seq[r.ID] = m.last
		}
		if s := m.seq[r.ID]; s > after && len(out) < limit {
			out, seqs = append(out, r), append(seqs, s)
		}
	}
	return out, seqs, nil
}

func (m *memOutbox) Settle(rs []syncapi.Result, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		for i, q := range m.queue {
			if q.ID == r.ID {
				m.queue = append(m.queue[:i], m.queue[i+1:]...)
				m.settled = append(m.settled, r)
				break
			}
		}
	}
	return nil
}

func (m *memOutbox) len() int { m.mu.Lock(); defer m.mu.Unlock(); return len(m.queue) }

// oldAggregator answers what an aggregator before heartbeats and published
// configurations answers to all but uploads; nil for an upload.
func oldAggregator(req *http.Request) *http.Response {
	switch req.URL.Path {
	case syncapi.Path:
		return nil
	case "/healthz":
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok"))}
	default:
		return &http.Response{StatusCode: 404, Body: io.NopCloser(strings.NewReader("not found"))}
	}
}

// flaky is an aggregator that is down for the first failures attempts.
type flaky struct {
	mu       sync.Mutex
	failures int
	attempts []time.Time
}

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := oldAggregator(req); r != nil {
		return r, nil
	}
	f.attempts = append(f.attempts, time.Now())
	if len(f.attempts) <= f.failures {
		return nil, errors.New("connection refused")
	}
	if got := req.Header.Get("Authorization"); !strings.HasPrefix(got, "Bearer k1.") {
		return nil, errors.New("no credential sent")
	}
	var in syncapi.Request
	if err := json.NewDecoder(req.Body).Decode(&in); err != nil {
		return nil, err
	}
	var out syncapi.Response
	for _, r := range in.Ratings {
		out.Results = append(out.Results, syncapi.Result{ID: r.ID, Status: syncapi.Accepted})
	}
	b, _ := json.Marshal(out)
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(string(b)))}, nil
}

func TestRetriesWithBackoffUntilTheAggregatorAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		box := &memOutbox{}
		for i := 0; i < 5; i++ {
			box.queue = append(box.queue, hailong.Rating{ID: hailong.NewID()})
		}
		agg := &flaky{failures: 4}
		cred, _ := syncapi.NewCredential("k1")
		u := uploader.New(uploader.Config{
			Outbox: box, Aggregator: "http://aggregator.test", Credential: cred,
			Client: &http.Client{Transport: agg}, Batch: 2,
			MinBackoff: time.Second, MaxBackoff: 8 * time.Second,
		})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { u.Run(ctx); close(done) }()

		time.Sleep(time.Minute)
		synctest.Wait()
		if n := box.len(); n != 0 {
			t.Fatalf("%d ratings still queued after the aggregator came back", n)
		}
		if reachable, ok := u.Reachable(); !reachable || !ok {
			t.Error("aggregator should be reachable now")
		}
		agg.mu.Lock()
		attempts := agg.attempts
		agg.mu.Unlock()
		// 4 failures, then 3 uploads of 2, 2 and 1.
		if len(attempts) != 7 {
			t.Fatalf("attempts = %d, want 7", len(attempts))
		}
		// Backoff with full jitter lies in [d/2, d] for d = 1s, 2s, 4s, 8s.
		for i := 1; i <= 4; i++ {
			gap := attempts[i].Sub(attempts[i-1])
			d := min(time.Second<<(i-1), 8*time.Second)
			if gap < d/2 || gap > d {
				t.Errorf("wait before attempt %d = %v, want between %v and %v", i+1, gap, d/2, d)
			}
		}
		cancel()
		<-done
	})
}

func TestKickUploadsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		box := &memOutbox{}
		agg := &flaky{}
		cred, _ := syncapi.NewCredential("k1")
		u := uploader.New(uploader.Config{Outbox: box, Aggregator: "http://aggregator.test", Credential: cred,
			Client: &http.Client{Transport: agg}, Idle: time.Hour})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go u.Run(ctx)
		synctest.Wait() // idle: the queue is empty
		box.mu.Lock()
		box.queue = append(box.queue, hailong.Rating{ID: hailong.NewID()})
		box.mu.Unlock()
		u.Kick()
		synctest.Wait()
		if box.len() != 0 {
			t.Fatal("a kicked rating should be uploaded without waiting for the idle timer")
		}
	})
}

// scripted answers each upload with a function of the ratings sent.
type scripted struct {
	mu     sync.Mutex
	sizes  []int
	answer func(call int, in syncapi.Request) (int, syncapi.Response)
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	if r := oldAggregator(req); r != nil {
		return r, nil
	}
	var in syncapi.Request
	json.NewDecoder(req.Body).Decode(&in)
	s.mu.Lock()
	call := len(s.sizes)
	s.sizes = append(s.sizes, len(in.Ratings))
	s.mu.Unlock()
	status, out := s.answer(call, in)
	b, _ := json.Marshal(out)
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Body: io.NopCloser(strings.NewReader(string(b)))}, nil
}

func accept(in syncapi.Request, st syncapi.Status) syncapi.Response {
	var out syncapi.Response
	for _, r := range in.Ratings {
		out.Results = append(out.Results, syncapi.Result{ID: r.ID, Status: st})
	}
	return out
}

func TestUploadFaults(t *testing.T) {
	cred, _ := syncapi.NewCredential("k1")
	tests := []struct {
		name        string
		answer      func(call int, in syncapi.Request) (int, syncapi.Response)
		wantQueued  int
		wantSettled int
		wantSizes   []int
	}{
		{"too large halves the batch until it fits", func(call int, in syncapi.Request) (int, syncapi.Response) {
			if len(in.Ratings) > 2 {
				return http.StatusRequestEntityTooLarge, syncapi.Response{}
			}
			return 200, accept(in, syncapi.Accepted)
		}, 0, 5, []int{5, 4, 2, 2, 1}},
		{"an unknown status keeps ratings queued", func(call int, in syncapi.Request) (int, syncapi.Response) {
			return 200, accept(in, "later")
		}, 5, 0, []int{5}},
		{"deferred ratings stay queued", func(call int, in syncapi.Request) (int, syncapi.Response) {
			return 200, accept(in, syncapi.Deferred)
		}, 5, 0, []int{5}},
		{"an answer about other ratings settles nothing", func(call int, in syncapi.Request) (int, syncapi.Response) {
			return 200, syncapi.Response{Results: []syncapi.Result{{ID: hailong.NewID(), Status: syncapi.Accepted}}}
		}, 5, 0, []int{5}},
		{"conflicts and rejections leave the queue as failed", func(call int, in syncapi.Request) (int, syncapi.Response) {
			out := accept(in, syncapi.Rejected)
			out.Results[0].Status = syncapi.Conflict
			return 200, out
		}, 0, 5, []int{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				box := &memOutbox{}
				for i := 0; i < 5; i++ {
					box.queue = append(box.queue, hailong.Rating{ID: hailong.NewID()})
				}
				agg := &scripted{answer: tt.answer}
				u := uploader.New(uploader.Config{Outbox: box, Aggregator: "http://aggregator.test", Credential: cred,
					Client: &http.Client{Transport: agg}, Batch: 8, MinBackoff: time.Second, MaxBackoff: time.Second, Idle: time.Hour})
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { u.Run(ctx); close(done) }()
				time.Sleep(2500 * time.Millisecond) // three attempts at most one second apart
				synctest.Wait()
				cancel()
				<-done
				box.mu.Lock()
				defer box.mu.Unlock()
				if len(box.queue) != tt.wantQueued || len(box.settled) != tt.wantSettled {
					t.Errorf("queued %d settled %d, want %d and %d", len(box.queue), len(box.settled), tt.wantQueued, tt.wantSettled)
				}
				agg.mu.Lock()
				defer agg.mu.Unlock()
				if len(agg.sizes) < len(tt.wantSizes) || !slicesEqual(agg.sizes[:len(tt.wantSizes)], tt.wantSizes) {
					t.Errorf("upload sizes %v, want them to begin %v", agg.sizes, tt.wantSizes)
				}
				if at, msg := u.LastAttempt(); at.IsZero() || (tt.wantQueued > 0 && msg == "") {
					t.Errorf("last attempt %v %q", at, msg)
				}
			})
		})
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
