package fiberapp_test

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"hailong"
	"hailong/fiberapp"
)

var quiet = slog.New(slog.DiscardHandler)

// brokenListener fails every Accept with err.
type brokenListener struct {
	net.Listener
	err error
}

func (l brokenListener) Accept() (net.Conn, error) { return nil, l.err }

// TestServingEndReported ends the serving loop with a listener that fails
// and requires Done to say so: main then exits non-zero for its supervisor
// to restart the program, where it used to live on serving nothing.
func TestServingEndReported(t *testing.T) {
	broken := errors.New("the network stack is gone")
	for _, tc := range []struct {
		name string
		err  error // of Accept
		want error
	}{
		{"listener fails", broken, broken},
		{"listener closed under the server", net.ErrClosed, fiberapp.ErrStopped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := brokenListener{Listener: listen(t), err: tc.err}
			s := fiberapp.Serve(fiberapp.New(fiberapp.Config{Logger: quiet}), ln, fiberapp.ServeConfig{Logger: quiet})
			err, ok := <-s.Done()
			if !ok || !errors.Is(err, tc.want) {
				t.Fatalf("Done gave %v (a value: %v), want %v", err, ok, tc.want)
			}
			if _, ok := <-s.Done(); ok {
				t.Fatal("Done gave a second value")
			}
		})
	}
}

// TestShutdownNotReported stops serving as asked: Done closes without a
// value.
func TestShutdownNotReported(t *testing.T) {
	ln := listen(t)
	app := fiberapp.New(fiberapp.Config{Logger: quiet})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	s := fiberapp.Serve(app, ln, fiberapp.ServeConfig{Logger: quiet})
	get(t, "http://"+ln.Addr().String()+"/", http.StatusOK)
	if err := s.Shutdown(time.Second); err != nil {
		t.Fatal(err)
	}
	if err, ok := <-s.Done(); ok {
		t.Fatalf("Done gave %v after Shutdown", err)
	}
}

// exhaustedListener fails its first Accepts as a process out of open files
// does.
type exhaustedListener struct {
	net.Listener
	failures atomic.Int32
}

func (l *exhaustedListener) Accept() (net.Conn, error) {
	if l.failures.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestAcceptWaitsOutEMFILE runs out of open files while accepting: serving
// goes on once descriptors are free, where fasthttp alone stops for good.
func TestAcceptWaitsOutEMFILE(t *testing.T) {
	ln := &exhaustedListener{Listener: listen(t)}
	ln.failures.Store(4)
	app := fiberapp.New(fiberapp.Config{Logger: quiet})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	s := fiberapp.Serve(app, ln, fiberapp.ServeConfig{Logger: quiet})
	defer s.Shutdown(time.Second)
	get(t, "http://"+ln.Addr().String()+"/", http.StatusOK)
	select {
	case err := <-s.Done():
		t.Fatalf("serving ended: %v", err)
	default:
	}
}

func TestConnLimits(t *testing.T) {
	for _, tc := range []struct {
		name            string
		limit           uint64
		conns, perAddrs int
	}{
		{"unknown limit: Linux's usual 1024", 0, 704, 176},
		{"the flood test's 256", 256, 128, 32},
		{"too low to share: the minimum", 64, 16, 4},
		{"systemd's hard limit: the ceiling", 524288, 16384, 4096},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conns, per := fiberapp.ConnLimits(tc.limit)
			if conns != tc.conns || per != tc.perAddrs {
				t.Fatalf("ConnLimits(%d) = %d, %d; want %d, %d", tc.limit, conns, per, tc.conns, tc.perAddrs)
			}
		})
	}
}

// TestConnectionCaps holds connections open up to the caps: the next one
// is answered and closed instead of taking a descriptor.
func TestConnectionCaps(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    fiberapp.Config
		serve  fiberapp.ServeConfig
		status string // the answer to the connection over the cap
	}{
		{"per address", fiberapp.Config{MaxConns: 10}, fiberapp.ServeConfig{MaxConnsPerIP: 1}, "429"},
		{"in all", fiberapp.Config{MaxConns: 1}, fiberapp.ServeConfig{MaxConnsPerIP: -1}, "503"},
		{"no per-address cap behind a proxy", fiberapp.Config{MaxConns: 1, ProxyHeader: "X-Forwarded-For", TrustedProxies: []string{"127.0.0.1"}}, fiberapp.ServeConfig{}, "503"},
		{"per address derived, within the cap in all", fiberapp.Config{MaxConns: 1}, fiberapp.ServeConfig{}, "429"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Logger, tc.serve.Logger = quiet, quiet
			ln := listen(t)
			s := fiberapp.Serve(fiberapp.New(tc.cfg), ln, tc.serve)
			defer s.Shutdown(time.Second)
			idle, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer idle.Close()
			// The idle connection is being served once a request on it is.
			io.WriteString(idle, "GET /none HTTP/1.1\r\nHost: x\r\n\r\n")
			if _, err := http.ReadResponse(bufio.NewReader(idle), nil); err != nil {
				t.Fatal(err)
			}
			over, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer over.Close()
			over.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(over), nil)
			if err != nil {
				t.Fatalf("the connection over the cap: %v", err)
			}
			if got := resp.Status[:3]; got != tc.status {
				t.Fatalf("the connection over the cap got %s, want %s", resp.Status, tc.status)
			}
		})
	}
}

// TestOversizedHeaderAnswers431 sends requests over a real socket whose
// header does not fit fasthttp's read buffer (HeaderLimit): the answer
// is 431 Request Header Fields Too Large as problem+json, where
// ProblemOf, not knowing Fiber's 431, made it a 400.
func TestOversizedHeaderAnswers431(t *testing.T) {
	app := fiberapp.New(fiberapp.Config{Logger: quiet})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	ln := listen(t)
	s := fiberapp.Serve(app, ln, fiberapp.ServeConfig{Logger: quiet})
	defer s.Shutdown(time.Second)
	var many strings.Builder
	for i := 0; many.Len() <= 2*fiberapp.HeaderLimit; i++ { // each small, together too many
		fmt.Fprintf(&many, "X-Field-%03d: %s\r\n", i, strings.Repeat("v", 20))
	}
	for _, tc := range []struct {
		name   string
		target string // the request line's target; "/" if empty
		header string // the request's lines after Host
		status int
	}{
		{"a long URL", "/?q=" + strings.Repeat("u", 2*fiberapp.HeaderLimit), "", http.StatusRequestHeaderFieldsTooLarge},
		{"one huge header", "", "X-Padding: " + strings.Repeat("a", 4*fiberapp.HeaderLimit) + "\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"a huge cookie", "", "Cookie: hailong_session=" + strings.Repeat("c", 2*fiberapp.HeaderLimit) + "\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"many headers", "", many.String(), http.StatusRequestHeaderFieldsTooLarge},
		{"a header within the buffer", "", "X-Padding: " + strings.Repeat("a", fiberapp.HeaderLimit/2) + "\r\n", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			// Written aside: the server answers without reading it all.
			target := cmp.Or(tc.target, "/")
			go io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: x\r\n"+tc.header+"\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %s, want %d: %s", resp.Status, tc.status, body)
			}
			if tc.status == http.StatusOK {
				return
			}
			var p fiberapp.Problem
			if err := json.Unmarshal(body, &p); err != nil || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("not problem+json (%s, %v): %s", resp.Header.Get("Content-Type"), err, body)
			}
			if p.Status != tc.status || p.Type != "urn:hailong:problem:"+hailong.EHEADERTOOLARGE || p.Detail == "" {
				t.Errorf("problem %+v", p)
			}
		})
	}
}

// TestRequestMetrics labels requests by route pattern, never by path, and
// counts the answers asked for.
func TestRequestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := fiberapp.NewMetrics(reg)
	created := prometheus.NewCounter(prometheus.CounterOpts{Name: "created_total", Help: "201s."})
	reg.MustRegister(created)
	m.CountAnswers(created, http.MethodPost, "/items/:id", http.StatusCreated)
	app := fiberapp.New(fiberapp.Config{Logger: quiet})
	app.Post("/items/:id", func(c *fiber.Ctx) error { return c.SendStatus(http.StatusCreated) })
	app.Get("/boom", func(c *fiber.Ctx) error { panic("boom") })
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	ln := listen(t)
	s := fiberapp.Serve(app, ln, fiberapp.ServeConfig{Logger: quiet, Metrics: m})
	defer s.Shutdown(time.Second)
	url := "http://" + ln.Addr().String()
	for _, id := range []string{"1", "2"} {
		resp, err := http.Post(url+"/items/"+id, "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get(t, url+"/nowhere/42", http.StatusNotFound)
	get(t, url+"/boom", http.StatusInternalServerError)

	got := map[string]uint64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		switch f.GetName() {
		case "hailong_http_request_duration_seconds":
			for _, mt := range f.GetMetric() {
				got[labels(mt)] = mt.GetHistogram().GetSampleCount()
			}
		case "created_total":
			got["created"] = uint64(f.GetMetric()[0].GetCounter().GetValue())
		}
	}
	want := map[string]uint64{
		"POST /items/:id 2xx": 2,
		"GET unmatched 4xx":   1,
		"GET /boom 5xx":       1,
		"created":             2,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
}

func labels(m *dto.Metric) string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l["method"] + " " + l["route"] + " " + l["class"]
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func get(t *testing.T, url string, want int) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d", url, resp.StatusCode, want)
	}
}
