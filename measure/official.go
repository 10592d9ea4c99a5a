package measure

import "math"

// Round1 rounds to one decimal, as Circular 01/2018/TT-VPCP rounds index
// scores.
func Round1(x float64) float64 { return math.Round(x*10) / 10 }

// IndexScore is a Circular 01 index: the sum of the 2/1/0 scores of the
// dossiers divided by their number, rounded to one decimal; ok is false
// with no dossiers.
func IndexScore(sum, n int64) (score float64, ok bool) {
	if n <= 0 || sum < 0 {
		return 0, false
	}
	// Integer arithmetic: halves round up exactly, which floating point
	// misses (7/20 = 0.35 is 0.34999… as a float64).
	tenths := (20*sum + n) / (2 * n)
	return float64(tenths) / 10, true
}

// OfficialClass classifies an official's score (indices 1+2+3+4+7, at most
// 10), Circular 01/2018 Art. 15: 5 or more completed every task, 3.5 to
// under 5 completed 70% to under 100%, under 3.5 under 70%.
func OfficialClass(score float64) string {
	switch {
	case score >= 5:
		return "100%"
	case score >= 3.5:
		return "70-100%"
	default:
		return "<70%"
	}
}

// AgencyClass classifies an agency's score (all nine indices, at most 18):
// 15 or more excellent (xuất sắc), 12 to under 15 good (tốt), 9 to under 12
// fair (khá), 6 to under 9 average (trung bình), under 6 weak (yếu).
func AgencyClass(score float64) string {
	switch {
	case score >= 15:
		return "excellent"
	case score >= 12:
		return "good"
	case score >= 9:
		return "fair"
	case score >= 6:
		return "average"
	default:
		return "weak"
	}
}

// HappyIndex is 100 × Σ nᵢ·i/(k−1) ÷ Σ nᵢ for a k-level scale, i = 0 the
// most negative level; levels[i] is nᵢ. ok is false with no answers or
// fewer than two levels.
func HappyIndex(levels []int64) (value float64, ok bool) {
	k := len(levels)
	if k < 2 {
		return 0, false
	}
	var num, n float64
	for i, c := range levels {
		num += float64(c) * float64(i) / float64(k-1)
		n += float64(c)
	}
	if n == 0 {
		return 0, false
	}
	return 100 * num / n, true
}

// Mean returns the mean of xs, and false for none. SIPAS-style element
// indices are the mean of their item rates, the overall index the mean of
// the element indices.
func Mean(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs)), true
}
