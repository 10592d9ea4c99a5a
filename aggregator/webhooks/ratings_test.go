package webhooks_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ingest"
	"hailong/aggregator/rollup"
	"hailong/aggregator/webhooks"
)

// A rating's rating.stored event is, byte for byte, json.Marshal of a
// hailong.Event whose data is the hailong.StoredRating (never the comment
// or the dossier), whatever its text holds.
func TestRatingEventIsJSONMarshal(t *testing.T) {
	vn := time.FixedZone("ICT", 7*3600)
	cases := []struct {
		name string
		r    hailong.Rating
		fact rollup.Fact
	}{
		{"every field", hailong.Rating{ID: "r1", Unit: "C", Kiosk: "k1", Channel: hailong.ChannelKiosk, At: time.Date(2026, 11, 30, 1, 2, 3, 0, time.UTC),
			Submission: hailong.Submission{Questionnaire: "counter-quick", Procedure: "1.0001", Official: "o1", Counter: "3", Dossier: "secret-dossier"}},
			rollup.Fact{Level: 3, Satisfied: true}},
		{"optional fields empty", hailong.Rating{ID: "r2", Unit: "C", Channel: hailong.ChannelQR, At: time.Date(2026, 11, 30, 1, 2, 3, 500, time.UTC),
			Submission: hailong.Submission{Questionnaire: "sipas"}}, rollup.Fact{}},
		{"flagged, local time with nanoseconds", hailong.Rating{ID: "r3", Unit: "C", Kiosk: "k1", Channel: hailong.ChannelKiosk,
			At: time.Date(2026, 11, 30, 8, 2, 3, 123456789, vn), Flags: []string{hailong.FlagBurst}, Submission: hailong.Submission{Questionnaire: "q"}},
			rollup.Fact{Level: 1}},
		{"text that JSON escapes", hailong.Rating{ID: `r"4\<&>`, Unit: "C", Kiosk: "Quầy số 1 – Phường Kinh Bắc", Channel: hailong.ChannelKiosk,
			At: time.Date(2026, 11, 30, 1, 2, 3, 0, time.UTC), Submission: hailong.Submission{Questionnaire: "q\n\t\x01", Official: "cán bộ \u2028 <b>",
				Counter: "\xff bad utf-8", Procedure: "1.0001"}}, rollup.Fact{Level: 2, Satisfied: true}},
	}
	rc := &recorder{}
	d := start(t, webhooks.Config{Store: newMemStore(), Client: handlerClient(rc)})
	subscribe(t, d, url, "P", hailong.EventRatingStored)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d.PublishRatings([]ingest.Stored{{Rating: &c.r, Fact: c.fact}})
			waitFor(t, func() bool { return len(rc.requests()) == i+1 })
			var body struct{ Events []json.RawMessage }
			if err := json.Unmarshal(rc.requests()[i].Body, &body); err != nil || len(body.Events) != 1 {
				t.Fatalf("body %s: %v", rc.requests()[i].Body, err)
			}
			var head struct{ At time.Time }
			json.Unmarshal(body.Events[0], &head)
			data, _ := json.Marshal(hailong.StoredRating{ID: c.r.ID, Unit: c.r.Unit, Kiosk: c.r.Kiosk, Questionnaire: c.r.Questionnaire,
				Channel: c.r.Channel, At: c.r.At.UTC(), Procedure: c.r.Procedure, Official: c.r.Official, Counter: c.r.Counter,
				Level: c.fact.Level, Satisfied: c.fact.Satisfied, Flagged: c.r.Flagged()})
			want, _ := json.Marshal(hailong.Event{ID: "rating.stored:" + c.r.ID, Type: hailong.EventRatingStored, At: head.At, Unit: "C", Data: data})
			if string(body.Events[0]) != string(want) {
				t.Fatalf("event\n%s\nwant\n%s", body.Events[0], want)
			}
			if time.Since(head.At).Abs() > time.Minute || head.At.Location() != time.UTC {
				t.Fatalf("event at %v, want now in UTC", head.At)
			}
		})
	}
}

// Ratings stored together are delivered together: a batch of them makes
// one delivery of up to MaxEvents (200) events per subscription, each
// delivery signed so that a receiver written from the documentation
// verifies it, whether a subscription takes every rating (its events sent
// as one slice of the batch) or every other one (put together).
func TestRatingsBatchedAndSigned(t *testing.T) {
	covers := within(map[string]string{"C": "P", "P": "R", "Q": "R"})
	d := start(t, webhooks.Config{Store: newMemStore(), Covers: covers})
	receivers := map[string]*docReceiver{}
	for _, scope := range []string{"R", "P", "Q"} {
		rc := &docReceiver{now: time.Now}
		srv := httptest.NewServer(rc)
		t.Cleanup(srv.Close)
		rc.secret = subscribe(t, d, srv.URL, scope, hailong.EventRatingStored).Secret
		receivers[scope] = rc
	}
	want := map[string][]string{} // event ids by the subscription's scope
	scopeOf := map[string]string{"C": "P", "Q": "Q"}
	var batches [][]ingest.Stored
	for n, size := range []int{200, 200, 50} {
		var batch []ingest.Stored
		for i := range size {
			unit := []string{"C", "Q"}[i%2]
			r := &hailong.Rating{ID: fmt.Sprintf("r%d-%03d", n, i), Unit: unit, Channel: hailong.ChannelKiosk, At: time.Now().UTC(),
				Submission: hailong.Submission{Questionnaire: "counter-quick"}}
			batch = append(batch, ingest.Stored{Rating: r, Fact: rollup.Fact{Level: 2, Satisfied: true}})
			id := "rating.stored:" + r.ID
			want["R"] = append(want["R"], id)
			want[scopeOf[unit]] = append(want[scopeOf[unit]], id)
		}
		batches = append(batches, batch)
	}
	for _, b := range batches {
		d.PublishRatings(b)
	}
	for _, scope := range []string{"R", "P", "Q"} {
		t.Run("subscription over "+scope, func(t *testing.T) {
			rc := receivers[scope]
			waitFor(t, func() bool { return rc.count() >= len(want[scope]) })
			rc.mu.Lock()
			defer rc.mu.Unlock()
			if !slices.Equal(rc.accepted, want[scope]) {
				t.Fatalf("accepted %d events, want %d in order", len(rc.accepted), len(want[scope]))
			}
			// Batches published close together may leave in one.
			if n := len(rc.raw); n < (len(want[scope])+199)/200 || n > len(batches) {
				t.Fatalf("%d deliveries of %d events, want one per batch at most, of 200 events at most", n, len(rc.accepted))
			}
			for _, raw := range rc.raw {
				var body struct{ Events []json.RawMessage }
				if json.Unmarshal(raw, &body); len(body.Events) > 200 {
					t.Fatalf("a delivery of %d events", len(body.Events))
				}
			}
		})
	}
	for _, sub := range d.Subscriptions() {
		// A receiver has a delivery before the dispatcher has its answer.
		waitFor(t, func() bool {
			log, _ := d.Log(sub.ID)
			return !slices.ContainsFunc(log, func(e webhooks.LogEntry) bool { return e.State == webhooks.StatePending })
		})
		log, _ := d.Log(sub.ID)
		for _, e := range log {
			if e.State != webhooks.StateDelivered || e.Attempts != 1 {
				t.Errorf("subscription over %s: delivery %+v, want delivered at the first attempt", sub.Unit, e)
			}
		}
	}
}
