package webhooks_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ingest"
	"hailong/aggregator/rollup"
	"hailong/aggregator/webhooks"
)

// negotiator is a receiver whose answers say what answer gives of its
// n-th request (from 1): a status and an Accept-Encoding header ("" for
// none). It records each request's Content-Encoding and the events of
// the requests it took (2xx).
type negotiator struct {
	answer func(n int, gzipped bool) (status int, acceptEncoding string)

	mu        sync.Mutex
	encodings []string
	events    []string
}

func (ng *negotiator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	enc := r.Header.Get("Content-Encoding")
	ng.mu.Lock()
	ng.encodings = append(ng.encodings, enc)
	n := len(ng.encodings)
	ng.mu.Unlock()
	status, accept := ng.answer(n, enc == "gzip")
	if accept != "" {
		w.Header().Set("Accept-Encoding", accept)
	}
	if status/100 == 2 {
		body := raw
		if enc == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				status = http.StatusBadRequest
			} else if body, err = io.ReadAll(zr); err != nil {
				status = http.StatusBadRequest
			}
		}
		var p struct{ Events []struct{ ID string } }
		if err := json.Unmarshal(body, &p); err != nil {
			status = http.StatusBadRequest
		}
		ng.mu.Lock()
		for _, e := range p.Events {
			ng.events = append(ng.events, e.ID)
		}
		ng.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (ng *negotiator) seen() (encodings, events []string) {
	ng.mu.Lock()
	defer ng.mu.Unlock()
	return slices.Clone(ng.encodings), slices.Clone(ng.events)
}

// TestGzipNegotiated: deliveries are compressed only for a receiver whose
// answers say it takes gzip (RFC 7694), from the delivery after such an
// answer; a 415 to a compressed delivery has it sent again at once
// uncompressed, within the same attempt, and compression stops; so does an
// answer that lists other codings, and a change of the URL; a small
// delivery (an alert) stays uncompressed. Every event arrives once.
func TestGzipNegotiated(t *testing.T) {
	says := func(accept string) func(int, bool) (int, string) {
		return func(int, bool) (int, string) { return http.StatusNoContent, accept }
	}
	cases := []struct {
		name string
		// steps: "r" publishes 20 ratings, "a" an alert, "u" moves the
		// subscription to another URL of the same receiver.
		steps  []string
		answer func(n int, gzipped bool) (int, string)
		want   []string // each request's Content-Encoding
	}{
		{"a receiver that says nothing", []string{"r", "r", "r"}, says(""), []string{"", "", ""}},
		{"a receiver that takes gzip", []string{"r", "r", "r"}, says("gzip"), []string{"", "gzip", "gzip"}},
		{"a receiver that takes gzip, sent an alert", []string{"r", "a", "r"}, says("gzip"), []string{"", "", "gzip"}},
		{"a receiver that says it takes only JSON", []string{"r", "r"}, says("identity"), []string{"", ""}},
		{"a receiver that refuses gzip with 415", []string{"r", "r", "r"}, func(n int, gzipped bool) (int, string) {
			switch {
			case n == 1:
				return http.StatusNoContent, "gzip"
			case gzipped:
				return http.StatusUnsupportedMediaType, ""
			}
			return http.StatusNoContent, ""
		}, []string{"", "gzip", "", ""}},
		{"a receiver that stops taking gzip", []string{"r", "r", "r", "r"}, func(n int, _ bool) (int, string) {
			if n <= 2 {
				return http.StatusNoContent, "gzip"
			}
			return http.StatusNoContent, "identity"
		}, []string{"", "gzip", "gzip", ""}},
		{"a receiver moved to another URL", []string{"r", "r", "u", "r", "r"}, says("gzip"), []string{"", "gzip", "", "gzip"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ng := &negotiator{answer: c.answer}
			srv := httptest.NewServer(ng)
			t.Cleanup(srv.Close)
			d := start(t, webhooks.Config{Store: newMemStore()})
			sub := subscribe(t, d, srv.URL, "P", hailong.EventRatingStored, hailong.EventAlertOpened)
			var want []string
			for n, step := range c.steps {
				switch step {
				case "r":
					var batch []ingest.Stored
					for i := range 20 {
						r := &hailong.Rating{ID: fmt.Sprintf("r%d-%02d", n, i), Unit: "C", Kiosk: "k1", Channel: hailong.ChannelKiosk,
							At: time.Now().UTC(), Submission: hailong.Submission{Questionnaire: "counter-quick", Procedure: "1.000123"}}
						batch = append(batch, ingest.Stored{Rating: r, Fact: rollup.Fact{Level: 2, Satisfied: true}})
						want = append(want, "rating.stored:"+r.ID)
					}
					d.PublishRatings(batch)
				case "a":
					id := fmt.Sprintf("alert.opened:a%d", n)
					d.Publish(context.Background(), event(id, hailong.EventAlertOpened, "C"))
					want = append(want, id)
				case "u":
					u := srv.URL + "/moved"
					if _, err := d.Update(context.Background(), sub.ID, webhooks.Change{URL: &u}, nil); err != nil {
						t.Fatal(err)
					}
					continue
				}
				waitFor(t, func() bool { _, got := ng.seen(); return len(got) == len(want) })
			}
			encodings, events := ng.seen()
			if !slices.Equal(encodings, c.want) {
				t.Errorf("requests with Content-Encoding %q, want %q", encodings, c.want)
			}
			if !slices.Equal(events, want) {
				t.Errorf("events %q, want each once in order: %q", events, want)
			}
			// The receiver has a delivery before the dispatcher has its answer.
			waitFor(t, func() bool {
				log, _ := d.Log(sub.ID)
				return !slices.ContainsFunc(log, func(e webhooks.LogEntry) bool { return e.State == webhooks.StatePending })
			})
			log, _ := d.Log(sub.ID)
			for _, e := range log {
				if e.State != webhooks.StateDelivered || e.Attempts != 1 {
					t.Errorf("delivery %+v, want delivered at its first attempt", e)
				}
			}
		})
	}
}
