package uploader_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong/kiosk/uploader"
	"hailong/syncapi"
)

// pipeListener is a net.Listener whose connections are in-memory pipes
// (net.Pipe), so that a real http.Server and a real http.Client speak HTTP
// inside a synctest bubble: a goroutine blocked on a socket would keep the
// bubble's clock from moving, one blocked on a pipe does not.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial connects a client to the listener's server.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// servePipe serves h over HTTP on in-memory pipes until the test ends, and
// returns a client that reaches it at any URL.
func servePipe(t *testing.T, h http.Handler) *http.Client {
	t.Helper()
	l := newPipeListener()
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	tr := &http.Transport{DialContext: l.dial}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		<-done
	})
	return &http.Client{Transport: tr}
}

// A standby or overloaded aggregator's 503 or 429 with Retry-After holds
// the next upload back for at least that long (capped at MaxRetryAfter)
// instead of the uploader's backoff, and is logged; then the batch is
// delivered, once.
func TestUploaderHonoursRetryAfter(t *testing.T) {
	cases := []struct {
		name   string
		status int
		header func(now time.Time) string
		want   time.Duration // the least wait
	}{
		{"503, seconds", http.StatusServiceUnavailable, func(time.Time) string { return "90" }, 90 * time.Second},
		{"429, seconds", http.StatusTooManyRequests, func(time.Time) string { return "20" }, 20 * time.Second},
		{"503, an HTTP date", http.StatusServiceUnavailable, func(now time.Time) string {
			return now.Add(3 * time.Minute).UTC().Format(http.TimeFormat)
		}, 3 * time.Minute},
		{"503, beyond the cap", http.StatusServiceUnavailable, func(time.Time) string { return "86400" }, 10 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				agg := newAggregator("TT-1", "counter-quick@1")
				var mu sync.Mutex
				var attempts []time.Time
				client := servePipe(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == syncapi.Path {
						mu.Lock()
						attempts = append(attempts, time.Now())
						first := len(attempts) == 1
						mu.Unlock()
						if first {
							w.Header().Set("Retry-After", c.header(time.Now()))
							w.Header().Set("Content-Type", "application/problem+json")
							w.WriteHeader(c.status)
							w.Write([]byte(`{"title":"Service Unavailable","status":503,"detail":"This aggregator is a standby."}`))
							return
						}
					}
					agg.ServeHTTP(w, r)
				}))
				box := &memOutbox{}
				for range 3 {
					box.queue = append(box.queue, queued("TT-1", "counter-quick", 1))
				}
				var logs bytes.Buffer
				var logMu sync.Mutex
				u := newUploader(t, box, "http://aggregator.test", uploader.Config{Client: client, MinBackoff: time.Second,
					MaxBackoff: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))})
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { u.Run(ctx); close(done) }()
				t.Cleanup(func() { cancel(); <-done })
				t0 := time.Now()

				// Kicks (new ratings) do not hurry it either.
				for i := 0; time.Since(t0) < c.want-time.Second; i++ {
					time.Sleep(time.Second)
					u.Kick()
				}
				time.Sleep(time.Until(t0.Add(c.want)) - time.Nanosecond)
				synctest.Wait()
				mu.Lock()
				n := len(attempts)
				mu.Unlock()
				if n != 1 || box.len() != 3 {
					t.Fatalf("%d uploads, %d ratings queued before +%v; want the first alone, all 3 queued", n, box.len(), c.want)
				}
				time.Sleep(c.want/10 + time.Second)
				synctest.Wait()
				mu.Lock()
				n = len(attempts)
				second := attempts[len(attempts)-1].Sub(t0)
				mu.Unlock()
				if n != 2 || box.len() != 0 {
					t.Fatalf("%d uploads, %d ratings queued after +%v; want the batch delivered by the second", n, box.len(), c.want*11/10)
				}
				if second < c.want || second > c.want*11/10 {
					t.Errorf("second upload at +%v, want within a tenth after +%v", second, c.want)
				}
				if got := agg.uploadCount(); got != 1 || len(box.settled) != 3 {
					t.Errorf("the aggregator took %d uploads, %d ratings settled; want the batch once", got, len(box.settled))
				}
				logMu.Lock()
				defer logMu.Unlock()
				if !strings.Contains(logs.String(), "Retry-After") || !strings.Contains(logs.String(), "retry_in=") {
					t.Errorf("the wait is not logged:\n%s", logs.String())
				}
			})
		})
	}
}

// lockedWriter serialises writes to a buffer read by the test.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
