package mongodb_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"hailong/aggregator/ferret/ferrettest"
)

// TestDigestsRoundTrip writes the digests of as many recent ratings as the
// aggregator remembers by default, and of a few, and reads them back in
// order, with the times of the dossiers' ratings among them (every third):
// the full size is where FerretDB's unbounded batches once broke the read.
func TestDigestsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		n    int
	}{
		{"none", 0},
		{"a few", 3},
		{"the default memory, a million", 1 << 20},
	}
	db := ferrettest.Open(t)
	ctx := context.Background()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.n > 1000 {
				t.Skip("large")
			}
			ids := make([]string, tt.n)
			digests := make([][32]byte, tt.n)
			for j := range ids {
				ids[j] = fmt.Sprintf("019348f9-d5a8-7d9d-bcea-%012d", j)
				digests[j] = sha256.Sum256([]byte(ids[j]))
			}
			rated := map[string]time.Time{}
			for j := 0; j < tt.n; j += 3 {
				rated[ids[j]] = time.Date(2026, 11, 28, 7, 5, j%60, 0, time.UTC)
			}
			gen := fmt.Sprintf("rollup_days_%d", i)
			if err := db.WriteDigests(ctx, gen, ids, digests, rated); err != nil {
				t.Fatal(err)
			}
			k := 0
			err := db.LoadDigests(ctx, gen, func(id string, d [32]byte, at time.Time) {
				if k < tt.n && (id != ids[k] || d != digests[k] || !at.Equal(rated[id])) {
					t.Fatalf("digest %d: %s %x %v, want %s %x %v", k, id, d, at, ids[k], digests[k], rated[ids[k]])
				}
				k++
			})
			if err != nil {
				t.Fatal(err)
			}
			if k != tt.n {
				t.Fatalf("read %d digests, want %d", k, tt.n)
			}
		})
	}
}
