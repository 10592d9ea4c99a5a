package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/syncapi"
)

// Every fault test ends with the same proof: the aggregator counts each
// acknowledged rating once, and the kiosk holds nothing back.

func TestAggregatorDownWhileRatingsAreRecorded(t *testing.T) {
	aggDir, addr := t.TempDir(), freeAddr(t)
	// Enrol while the aggregator runs, then stop it.
	agg := startAggregator(t, aggDir, addr)
	cred := enrol(t, agg, "kiosk-1", centre)
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	k := startKiosk(t, t.TempDir(), "http://"+addr, cred, centre)
	defer k.Close()
	for i := 0; i < 25; i++ {
		rate(t, k.URL(), rating{Answers: map[string]any{"overall": 1 + i%3}})
	}
	var st kioskStatus
	getJSON(t, k.URL()+"/api/v1/status", &st)
	if st.Queued != 25 || st.Synced != 0 {
		t.Fatalf("while the aggregator is down: %+v", st)
	}
	time.Sleep(300 * time.Millisecond) // let the uploader fail and back off
	getJSON(t, k.URL()+"/api/v1/status", &st)
	if st.Aggregator != "unreachable" || st.LastAttempt == nil || st.LastError == "" {
		t.Errorf("while the aggregator is down the status shows %+v", st)
	}

	agg = startAggregator(t, aggDir, addr)
	defer agg.Close()
	waitSynced(t, k.URL(), 25)
	s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today()))
	if s.N != 25 || s.Satisfied != 16 {
		t.Fatalf("n=%d satisfied=%d, want 25 and 16", s.N, s.Satisfied)
	}
}

func TestTheSameBatchDeliveredTwice(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	now := time.Now().UTC().Truncate(time.Millisecond)
	var batch syncapi.Request
	for i := 0; i < 40; i++ {
		batch.Ratings = append(batch.Ratings, hailong.Rating{ID: hailong.NewID(),
			Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1, Answers: hailong.Answers{"overall": hailong.Int(1 + i%3)}},
			Channel:    hailong.ChannelKiosk, Unit: centre, Kiosk: "kiosk-1", At: now})
	}
	for round, want := range []syncapi.Status{syncapi.Accepted, syncapi.Duplicate, syncapi.Duplicate} {
		res, err := kioskClient(agg.URL(), cred).Sync(t.Context(), batch)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if len(res.Results) != len(batch.Ratings) {
			t.Fatalf("round %d: %d results for %d ratings", round, len(res.Results), len(batch.Ratings))
		}
		for i, r := range res.Results {
			if r.Status != want || r.ID != batch.Ratings[i].ID {
				t.Fatalf("round %d rating %d: %+v, want %s", round, i, r, want)
			}
		}
	}
	// The same id with other content is a conflict, and changes nothing.
	changed := batch
	changed.Ratings = []hailong.Rating{batch.Ratings[0]}
	changed.Ratings[0].Answers = hailong.Answers{"overall": hailong.Int(3)}
	res := syncOK(t, agg.URL(), cred, changed)
	if len(res.Results) != 1 || res.Results[0].Status != syncapi.Conflict || res.Results[0].Reason == "" {
		t.Fatalf("changed content: %+v", res.Results)
	}
	s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today()))
	if s.N != 40 || s.Satisfied != 26 {
		t.Fatalf("n=%d satisfied=%d, want 40 and 26", s.N, s.Satisfied)
	}
}

// faultyProxy relays HTTP between a kiosk and the aggregator, and breaks the
// first uploads: the first loses half its body on the way, the second
// reaches the aggregator but its answer never reaches the kiosk.
type faultyProxy struct {
	upstream string
	mu       sync.Mutex
	uploads  int
	ln       net.Listener
}

func startFaultyProxy(t *testing.T, upstream string) *faultyProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultyProxy{upstream: strings.TrimPrefix(upstream, "http://"), ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *faultyProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *faultyProxy) serve(client net.Conn) {
	defer client.Close()
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	cr, ur := bufio.NewReader(client), bufio.NewReader(up)
	for {
		req, err := http.ReadRequest(cr)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(req.Body)
		fault := 0
		if req.Method == "POST" {
			p.mu.Lock()
			p.uploads++
			fault = p.uploads
			p.mu.Unlock()
		}
		if fault == 1 {
			// Cut mid-batch: headers and half the body, then the line drops.
			req.Body = io.NopCloser(strings.NewReader(string(body[:len(body)/2])))
			var sb strings.Builder
			req.Write(&sb)
			raw := sb.String()
			// req.Write fixes Content-Length to what it sends; restore the
			// full length so the aggregator waits for bytes that never come.
			raw = strings.Replace(raw, "Content-Length: "+itoa(len(body)/2), "Content-Length: "+itoa(len(body)), 1)
			up.Write([]byte(raw))
			return
		}
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		req.ContentLength = int64(len(body))
		if err := req.Write(up); err != nil {
			return
		}
		resp, err := http.ReadResponse(ur, req)
		if err != nil {
			return
		}
		rb, _ := io.ReadAll(resp.Body)
		if fault == 2 {
			return // stored by the aggregator; the answer is lost
		}
		resp.Body = io.NopCloser(strings.NewReader(string(rb)))
		resp.ContentLength = int64(len(rb))
		if err := resp.Write(client); err != nil {
			return
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestUploadCutOffMidBatch(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	proxy := startFaultyProxy(t, agg.URL())
	k := startKiosk(t, t.TempDir(), proxy.URL(), cred, centre)
	defer k.Close()
	for i := 0; i < 30; i++ {
		rate(t, k.URL(), rating{Answers: map[string]any{"overall": 1 + i%3, "comment": "Góp ý số " + itoa(i)}})
	}
	waitSynced(t, k.URL(), 30)
	proxy.mu.Lock()
	uploads := proxy.uploads
	proxy.mu.Unlock()
	if uploads < 3 {
		t.Fatalf("only %d uploads went through the proxy; the faults were not exercised", uploads)
	}
	s := satisfactionOf(t, agg.URL(), q("unit", centre, "from", today(), "to", today()))
	if s.N != 30 || s.Satisfied != 20 {
		t.Fatalf("n=%d satisfied=%d, want 30 and 20", s.N, s.Satisfied)
	}
}
