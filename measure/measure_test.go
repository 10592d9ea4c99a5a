package measure

import (
	"math"
	"testing"
)

func TestWilson(t *testing.T) {
	// Expected values computed by hand from the Wilson formula
	// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), z = 1.959964.
	tests := []struct {
		name         string
		n, s         int64
		rate, lo, hi float64
	}{
		{"api example 103 of 120", 120, 103, 0.8583, 0.7848, 0.9096},
		{"all satisfied 10 of 10", 10, 10, 1, 0.7225, 1},
		{"none satisfied 0 of 10", 10, 0, 0, 0, 0.2775},
		{"one of one", 1, 1, 1, 0.2065, 1},
		{"half of 100", 100, 50, 0.5, 0.4038, 0.5962},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Proportion{N: tt.n, Successes: tt.s}
			rate, ok := p.Rate()
			if !ok || Round4(rate) != tt.rate {
				t.Errorf("rate = %v, %v; want %v", rate, ok, tt.rate)
			}
			lo, hi, ok := p.Wilson(Z95)
			if !ok || math.Abs(lo-tt.lo) > 0.00005 || math.Abs(hi-tt.hi) > 0.00005 {
				t.Errorf("wilson = [%.5f, %.5f]; want [%.4f, %.4f]", lo, hi, tt.lo, tt.hi)
			}
		})
	}
	t.Run("no ratings", func(t *testing.T) {
		if _, ok := (Proportion{}).Rate(); ok {
			t.Error("rate of nothing should not be defined")
		}
		if _, _, ok := (Proportion{}).Wilson(Z95); ok {
			t.Error("interval of nothing should not be defined")
		}
	})
}

func TestEnough(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want bool
	}{{29, false}, {30, true}, {0, false}} {
		if got := (Proportion{N: tt.n}).Enough(DefaultMinSample); got != tt.want {
			t.Errorf("Enough(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}
