package measure

import (
	"math"
	"testing"
)

func TestIndexScore(t *testing.T) {
	tests := []struct {
		name   string
		sum, n int64
		want   float64
		ok     bool
	}{
		{"all early", 20, 10, 2, true},
		{"all on time", 10, 10, 1, true},
		{"all late", 0, 10, 0, true},
		{"mixed 2,1,0", 3, 3, 1, true},
		{"rounds half up 1.25 → 1.3", 5, 4, 1.3, true},
		{"rounds 1.24 down: 31/25", 31, 25, 1.2, true},
		{"two thirds 0.67 → 0.7", 2, 3, 0.7, true},
		{"exact half 0.35 → 0.4 (a float would give 0.3)", 7, 20, 0.4, true},
		{"exact half 1.05 → 1.1", 21, 20, 1.1, true},
		{"no dossiers", 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := IndexScore(tt.sum, tt.n)
			if got != tt.want || ok != tt.ok {
				t.Errorf("IndexScore(%d, %d) = %v, %v; want %v, %v", tt.sum, tt.n, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestOfficialClass(t *testing.T) {
	for _, tt := range []struct {
		score float64
		want  string
	}{
		{10, "100%"}, {5, "100%"}, {4.9, "70-100%"}, {3.5, "70-100%"}, {3.4, "<70%"}, {0, "<70%"},
	} {
		if got := OfficialClass(tt.score); got != tt.want {
			t.Errorf("OfficialClass(%v) = %s, want %s", tt.score, got, tt.want)
		}
	}
}

func TestAgencyClass(t *testing.T) {
	for _, tt := range []struct {
		score float64
		want  string
	}{
		{18, "excellent"}, {15, "excellent"}, {14.9, "good"}, {12, "good"}, {11.9, "fair"}, {9, "fair"},
		{8.9, "average"}, {6, "average"}, {5.9, "weak"}, {0, "weak"},
	} {
		if got := AgencyClass(tt.score); got != tt.want {
			t.Errorf("AgencyClass(%v) = %s, want %s", tt.score, got, tt.want)
		}
	}
}

func TestHappyIndex(t *testing.T) {
	tests := []struct {
		name   string
		levels []int64
		want   float64
		ok     bool
	}{
		// 3 levels: (0·2 + 0.5·3 + 1·5) / 10 = 0.65
		{"three levels", []int64{2, 3, 5}, 65, true},
		// 5 levels: (0·1 + .25·1 + .5·2 + .75·4 + 1·2)/10 = 6.25/10
		{"five levels", []int64{1, 1, 2, 4, 2}, 62.5, true},
		{"all most negative", []int64{7, 0, 0}, 0, true},
		{"all most positive", []int64{0, 0, 0, 0, 9}, 100, true},
		{"no answers", []int64{0, 0, 0}, 0, false},
		{"one level", []int64{5}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := HappyIndex(tt.levels)
			if math.Abs(got-tt.want) > 1e-9 || ok != tt.ok {
				t.Errorf("HappyIndex(%v) = %v, %v; want %v, %v", tt.levels, got, ok, tt.want, tt.ok)
			}
		})
	}
}
