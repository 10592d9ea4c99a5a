package mongodb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/comments"
)

// BenchmarkLoadCommentMonth reads a province's month of comments (15,000)
// back from the embedded database, stored one a document as their ratings
// came, and packed into runs (PackCommentMonth).
//
//	go test -run '^$' -bench LoadCommentMonth -benchtime 5x ./aggregator/mongodb
func BenchmarkLoadCommentMonth(b *testing.B) {
	ctx := context.Background()
	at := time.Date(2025, 3, 1, 1, 0, 0, 0, time.UTC)
	var cs []comments.Comment
	for i := range 15000 {
		cs = append(cs, comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: at.Add(time.Duration(i) * 2 * time.Minute),
			Unit: fmt.Sprintf("TT-%05d", i%180), Procedure: fmt.Sprintf("1.%06d", i%900), Channel: hailong.ChannelKiosk,
			Questionnaire: "counter-quick", Version: 1, Level: 1 + i%5, Mood: comments.Moods[i%3],
			Text: "Cán bộ hướng dẫn tận tình nhưng phải chờ khá lâu ở quầy tiếp nhận."})
	}
	m := comments.MonthOf(at)
	for _, packed := range []bool{false, true} {
		name := map[bool]string{false: "one-a-document", true: "packed"}[packed]
		b.Run(name, func(b *testing.B) {
			open, _ := shared(b)
			db := open()
			if err := db.InsertComments(ctx, cs); err != nil {
				b.Fatal(err)
			}
			if packed {
				if _, err := db.PackCommentMonth(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				n := 0
				if err := db.LoadCommentMonth(ctx, m, func(comments.Comment) { n++ }); err != nil || n != len(cs) {
					b.Fatalf("read %d, %v", n, err)
				}
			}
			b.ReportMetric(float64(len(cs))*float64(b.N)/b.Elapsed().Seconds(), "comments/s")
		})
	}
}
