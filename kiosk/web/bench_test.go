package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hailong"
	"hailong/kiosk/web"
	"hailong/latency"
)

// BenchmarkRatingCreate measures one terminal's request to a durable 201:
// real HTTP on loopback, a real bbolt file on disk, an fsync per rating.
// It reports the median and the 99th percentile, of a whole rating and of
// the screen's one tap (held for its follow-up answers). The terminal is a
// paired counter tablet, so each tap is checked for its pairing, an opened
// rating and misuse (most are flagged: they come faster than any citizen).
//
//	go test -run '^$' -bench RatingCreate -benchtime 3000x ./kiosk/web
func BenchmarkRatingCreate(b *testing.B) {
	for _, tap := range []struct{ name, extra string }{{"whole", ""}, {"one-tap", `,"follow_up":true`}} {
		b.Run(tap.name, func(b *testing.B) { benchmarkRatingCreate(b, tap.extra) })
	}
}

// benchmarkRatingCreate posts ratings with extra members: a whole rating,
// or the screen's one tap held for its follow-ups.
func benchmarkRatingCreate(b *testing.B, extra string) {
	s, _, _ := newServerB(b)
	token := pairScreen(b, s, "Q1") // a counter's tablet: pairing and misuse checks on every tap
	client := &http.Client{}
	lat := latency.New(b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"id":%q,"questionnaire":"counter-quick","answers":{"overall":%d},"counter":"Q1"%s}`, hailong.NewID(), 1+i%3, extra)
		t0 := time.Now()
		req, _ := http.NewRequest("POST", base[s]+"/api/v1/ratings", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		lat.Since(t0)
		if resp.StatusCode != 201 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	lat.Report(b, 50, 99)
}

// firstLoad fetches what a terminal loads to show the first question with
// read-aloud on: the page, its stylesheet and script, and the recording
// of the headline question. It returns the bytes received on the wire
// (headers included) and what was fetched.
func firstLoad(tb testing.TB, s *web.Server) (int64, []string) {
	tb.Helper()
	var received atomic.Int64
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return countingConn{c, &received}, err
	}}}
	token := pairScreen(tb, s, "") // a paired lobby screen: its cookie
	get := func(path string) string {
		tb.Helper()
		req, err := http.NewRequest("GET", base[s]+path, nil)
		if err != nil {
			tb.Fatal(err)
		}
		req.AddCookie(&http.Cookie{Name: web.TerminalCookie, Value: token})
		resp, err := client.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			tb.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return string(b)
	}
	page := get("/")
	fetched := []string{"/"}
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"|<h2 id="q-headline">[^<]*</h2>\s*<button[^>]*data-audio="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		path := m[1] + m[2]
		get(path)
		fetched = append(fetched, path)
	}
	client.CloseIdleConnections()
	return received.Load(), fetched
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestScreenFirstLoadIsSmall: a terminal on the centre's LAN loads at most
// 150 KB to show the first question and read it aloud (issue 11).
func TestScreenFirstLoadIsSmall(t *testing.T) {
	s, _, _ := newServer(t)
	s.Speak = true
	n, fetched := firstLoad(t, s)
	if len(fetched) != 6 || !strings.HasPrefix(fetched[5], "/audio/vi/") {
		t.Fatalf("fetched %v, want the page, its styles, its scripts (the screen's and the terminal's) and the question's recording", fetched)
	}
	if n > 150<<10 {
		t.Errorf("first load %d bytes, over 150 KB: %v", n, fetched)
	}
}

// BenchmarkScreenFirstLoad reports the bytes of TestScreenFirstLoadIsSmall.
//
//	go test -run '^$' -bench ScreenFirstLoad -benchtime 1x ./kiosk/web
func BenchmarkScreenFirstLoad(b *testing.B) {
	s, _, _ := newServerB(b)
	s.Speak = true
	var n int64
	for b.Loop() {
		n, _ = firstLoad(b, s)
	}
	b.ReportMetric(float64(n)/1024, "KiB/load")
}
