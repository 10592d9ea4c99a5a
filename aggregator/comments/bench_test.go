package comments_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/comments"
)

// BenchmarkQuery reads a page of the dissatisfied comments of a province's
// year, and counts them, from 500,000 comments over two years in 200
// centres: the index alone, without HTTP or rendering.
//
//	go test -run '^$' -bench Query ./aggregator/comments
func BenchmarkQuery(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	var units []string
	for u := range 200 {
		units = append(units, fmt.Sprintf("TT-%03d", u))
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cs := make([]comments.Comment, 500_000)
	for i := range cs {
		cs[i] = comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: start.Add(time.Duration(rng.Int64N(int64(730 * 24 * time.Hour)))),
			Unit: units[rng.IntN(len(units))], Procedure: fmt.Sprintf("1.%06d", rng.IntN(2000)), Mood: comments.Moods[rng.IntN(3)], Text: "góp ý"}
	}
	x := comments.NewOf(cs)
	year := comments.Filter{Units: units, From: hailong.DateFromYMD(2025, 1, 1), To: hailong.DateFromYMD(2025, 12, 31), Mood: comments.Dissatisfied}
	b.ResetTimer()
	for b.Loop() {
		if p, err := x.Query(context.Background(), year, comments.Cursor{}, 50); err != nil || len(p.Comments) != 50 {
			b.Fatal(len(p.Comments))
		}
	}
}
