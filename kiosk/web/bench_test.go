package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/latency"
)

// BenchmarkRatingCreate measures one terminal's request to a durable 201:
// real HTTP on loopback, a real bbolt file on disk, an fsync per rating.
// It reports the median and the 99th percentile. The terminal is a paired
// counter tablet, so each tap is checked for its pairing, an opened rating
// and misuse (most are flagged: they come faster than any citizen).
//
//	go test -run '^$' -bench RatingCreate -benchtime 3000x ./kiosk/web
func BenchmarkRatingCreate(b *testing.B) {
	s, _, _ := newServerB(b)
	token := pairScreen(b, s, "Q1") // a counter's tablet: pairing and misuse checks on every tap
	client := &http.Client{}
	lat := latency.New(b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"id":%q,"questionnaire":"counter-quick","answers":{"overall":%d},"counter":"Q1"}`, hailong.NewID(), 1+i%3)
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
