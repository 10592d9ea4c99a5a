// Package measure computes the satisfaction measures of DOMAIN.md from
// counts. It is pure arithmetic on integers the rollups hold, so every
// figure can be checked by hand.
package measure

import "math"

// Z95 is the standard normal quantile for a two-sided 95% interval.
const Z95 = 1.959963984540054

// DefaultMinSample is the sample below which a measure is shown as "not
// enough ratings" rather than as a misleading percentage.
const DefaultMinSample = 30

// Proportion is a count of successes out of n with its Wilson interval.
type Proportion struct {
	N         int64
	Successes int64
}

// Rate returns successes ÷ n, and false when n is 0.
func (p Proportion) Rate() (float64, bool) {
	if p.N == 0 {
		return 0, false
	}
	return float64(p.Successes) / float64(p.N), true
}

// Wilson returns the Wilson score interval at confidence z, and false when n
// is 0. Unlike the normal approximation it stays inside [0, 1] and behaves
// at rates near 0 and 1 and at small n.
func (p Proportion) Wilson(z float64) (lo, hi float64, ok bool) {
	if p.N == 0 {
		return 0, 0, false
	}
	n := float64(p.N)
	ph := float64(p.Successes) / n
	z2 := z * z
	denom := 1 + z2/n
	centre := (ph + z2/(2*n)) / denom
	half := z / denom * math.Sqrt(ph*(1-ph)/n+z2/(4*n*n))
	return math.Max(0, centre-half), math.Min(1, centre+half), true
}

// Enough reports whether n reaches the minimum sample.
func (p Proportion) Enough(minSample int64) bool { return p.N >= minSample }

// Round4 rounds to four decimals, the precision rates are published with.
func Round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// TwoProportionZ returns the z statistic of the pooled two-proportion test
// of a against b, and false when either sample is empty or the pooled rate
// is 0 or 1 (no variation, so no test). |z| > Z95 says the difference is
// beyond chance at the 5% level, two-sided.
func TwoProportionZ(a, b Proportion) (float64, bool) {
	if a.N == 0 || b.N == 0 {
		return 0, false
	}
	pool := float64(a.Successes+b.Successes) / float64(a.N+b.N)
	if pool == 0 || pool == 1 {
		return 0, false
	}
	ra, _ := a.Rate()
	rb, _ := b.Rate()
	se := math.Sqrt(pool * (1 - pool) * (1/float64(a.N) + 1/float64(b.N)))
	return (ra - rb) / se, true
}
