package webhooks

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"hailong"
)

// TestGzipped: a delivery's gzip inflates, with the standard library's
// reader (which checks the CRC-32 and the length), to exactly the JSON
// sent uncompressed, whether its events are a span of the batch deflated
// once for every subscription or put together, and whatever the size of
// its head and tail.
func TestGzipped(t *testing.T) {
	var stored []hailong.StoredRating
	for i := range 300 {
		stored = append(stored, hailong.StoredRating{ID: strings.Repeat("r", i%7+1) + string(rune('a'+i%26)), Unit: "C", Kiosk: "k1",
			Questionnaire: "counter-quick", Channel: hailong.ChannelKiosk, At: time.Date(2026, 12, 2, 8, 0, i, 0, time.UTC), Level: i % 4})
	}
	var events []event
	for i := range stored {
		events = append(events, event{Event: hailong.Event{Type: hailong.EventRatingStored, Unit: "C", At: stored[i].At}, rating: &stored[i]})
	}
	d := New(Config{Covers: func(string, string) bool { return true }})
	d.subs["s1"] = Subscription{ID: "s1", Enabled: true, Unit: "P", Events: []hailong.EventType{hailong.EventRatingStored}}
	d.plan(t.Context(), events, nil) // ratings alone: held in memory, not stored
	if len(d.queue) != 1 || d.queue[0].deflated == nil {
		t.Fatal("no batch planned")
	}
	b := d.queue[0]
	every := make([]int, len(b.Events))
	for i := range every {
		every[i] = i
	}
	cases := []struct {
		name   string
		idx    []int
		plain  func() body
		shared bool
	}{
		{"a span of the batch", every[:200], func() body { return bodyOf("d1", "s1", hailong.EventRatingStored, b, every[:200]) }, true},
		{"the same span for another subscription", every[:200], func() body { return bodyOf("d2", "s2", hailong.EventRatingStored, b, every[:200]) }, true},
		{"events put together", []int{0, 2, 4, 7, 250}, func() body { return bodyOf("d3", "s1", hailong.EventRatingStored, b, []int{0, 2, 4, 7, 250}) }, false},
		{"a head and tail longer than a stored block", every[200:], func() body {
			plain := bodyOf("d4", "s1", hailong.EventRatingStored, b, every[200:])
			return body{bytes.Repeat([]byte(" "), 70000), plain[1], append(bytes.Repeat([]byte(" "), 66000), plain[2]...)}
		}, true},
	}
	var sharedBytes []byte
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plain := c.plain()
			gz := b.gzipped(plain, c.idx)
			zr, err := gzip.NewReader(gz.reader())
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			want := bytes.Join(plain, nil)
			if !bytes.Equal(got, want) {
				t.Fatalf("inflates to %d bytes %.80q…, want %d bytes %.80q…", len(got), got, len(want), want)
			}
			if c.name != "a head and tail longer than a stored block" && gz.len()*4 > len(want) { // heads and tails are stored
				t.Errorf("%d bytes compressed from %d", gz.len(), len(want))
			}
			if c.shared && len(gz) == 5 { // header, head, events, tail, end
				if sharedBytes != nil && len(c.idx) == 200 && &gz[2][0] != &sharedBytes[0] {
					t.Error("the same span deflated twice")
				}
				sharedBytes = gz[2]
			} else if c.shared {
				t.Errorf("the span not shared: %d pieces", len(gz))
			}
		})
	}
}

// TestTakesGzip: what an answer's Accept-Encoding says of gzip.
func TestTakesGzip(t *testing.T) {
	for _, c := range []struct {
		name     string
		header   []string
		ok, said bool
	}{
		{"no header", nil, false, false},
		{"gzip", []string{"gzip"}, true, true},
		{"upper case, among others", []string{"br, GZIP"}, true, true},
		{"x-gzip", []string{"x-gzip"}, true, true},
		{"a weight above 0", []string{"deflate;q=1, gzip ; q=0.5"}, true, true},
		{"a weight of 0", []string{"gzip;q=0"}, false, true},
		{"a weight that is not a number", []string{"gzip;q=high"}, false, true},
		{"identity only", []string{"identity"}, false, true},
		{"empty", []string{""}, false, true},
		{"in a second header", []string{"br", "gzip"}, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range c.header {
				h.Add("Accept-Encoding", v)
			}
			if ok, said := takesGzip(h); ok != c.ok || said != c.said {
				t.Errorf("takesGzip(%q) = %v, %v; want %v, %v", c.header, ok, said, c.ok, c.said)
			}
		})
	}
}
