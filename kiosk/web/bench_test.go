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
// It reports the median and the 99th percentile.
//
//	go test -run '^$' -bench RatingCreate -benchtime 3000x ./kiosk/web
func BenchmarkRatingCreate(b *testing.B) {
	s, _, _ := newServerB(b)
	client := &http.Client{}
	lat := latency.New(b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"id":%q,"questionnaire":"counter-quick","answers":{"overall":%d},"counter":"Q1"}`, hailong.NewID(), 1+i%3)
		t0 := time.Now()
		resp, err := client.Post(base[s]+"/api/v1/ratings", "application/json", strings.NewReader(body))
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
