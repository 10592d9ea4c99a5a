package synth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"hailong"
	"hailong/aggregator/synth"
)

// lockedRecord is a record that takes concurrent batches.
type lockedRecord struct {
	mu sync.Mutex
	record
	fail string // a rating id whose batch fails
}

func (r *lockedRecord) Ratings(ctx context.Context, rs []hailong.Rating) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range rs {
		if x.ID == r.fail {
			return errors.New("refused " + x.ID)
		}
	}
	return r.record.Ratings(ctx, rs)
}

func (r *lockedRecord) Outcomes(ctx context.Context, os []hailong.Outcome) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.record.Outcomes(ctx, os)
}

func ids(rs []hailong.Rating) []string {
	out := make([]string, len(rs))
	for i := range rs {
		out[i] = rs[i].ID
	}
	slices.Sort(out)
	return out
}

// TestParallel checks that generating through a Parallel sink gives every
// rating and outcome of the sequential run once, whatever the order, and
// that a batch's error is the run's.
func TestParallel(t *testing.T) {
	const n = 20_000
	cfg := synth.Config{Ratings: n, Seed: 3}
	want := generate(t, cfg)
	for _, workers := range []int{1, 4} {
		t.Run("every batch once with workers "+string(rune('0'+workers)), func(t *testing.T) {
			var got lockedRecord
			p := synth.NewParallel(context.Background(), &got, workers)
			if err := synth.Generate(context.Background(), cfg, p); err != nil {
				t.Fatal(err)
			}
			if err := p.Wait(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got.ratings), ids(want.ratings)) {
				t.Errorf("got %d ratings, want the %d of a sequential run", len(got.ratings), len(want.ratings))
			}
			if len(got.outcomes) != len(want.outcomes) {
				t.Errorf("got %d outcomes, want %d", len(got.outcomes), len(want.outcomes))
			}
		})
	}
	t.Run("a failed batch is the run's error", func(t *testing.T) {
		got := lockedRecord{fail: want.ratings[n/2].ID}
		p := synth.NewParallel(context.Background(), &got, 2)
		err := synth.Generate(context.Background(), cfg, p)
		if werr := p.Wait(); err == nil {
			err = werr
		}
		if err == nil || !strings.Contains(err.Error(), got.fail) {
			t.Fatalf("error %v, want the refused rating's", err)
		}
	})
}
