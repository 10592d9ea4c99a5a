package national

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"maps"
	"slices"

	"hailong/aggregator/rollup"
)

// Rollups are the three rollups a provincial aggregator serves; any may be
// nil.
type Rollups struct {
	Ratings, Flagged, Outcomes *rollup.Rollup
}

// Collect makes the answer of GET /api/v1/rollups/months from a provincial
// aggregator's rollups: every month from from to to that holds cells of a
// unit keep accepts, with its digest, and its cells unless have names that
// digest. It copies each month's cells once to digest them: its cost grows
// with the cells served (docs/BENCHMARKS.md, BenchmarkPull).
func Collect(r Rollups, scope string, from, to rollup.Month, have map[string]string, keep func(unit string) bool) (*Months, error) {
	rolls := []*rollup.Rollup{r.Ratings, r.Flagged, r.Outcomes}
	months := map[rollup.Month]bool{}
	for _, x := range rolls {
		if x == nil {
			continue
		}
		for _, m := range x.Months() {
			if m >= from && m <= to {
				months[m] = true
			}
		}
	}
	daysOf := func(x *rollup.Rollup, m rollup.Month) []Day {
		if x == nil {
			return nil
		}
		return WireDays(slices.DeleteFunc(x.DaysOf(m), func(d rollup.Day) bool { return !keep(d.Unit) }))
	}
	out := &Months{Version: Version, Scope: scope, Months: []Month{}}
	for _, m := range slices.Sorted(maps.Keys(months)) {
		cells := Cells{Ratings: daysOf(r.Ratings, m), Flagged: daysOf(r.Flagged, m), Outcomes: daysOf(r.Outcomes, m)}
		if len(cells.Ratings)+len(cells.Flagged)+len(cells.Outcomes) == 0 {
			continue
		}
		digest, err := cells.Digest()
		if err != nil {
			return nil, err
		}
		month := Month{Month: FormatMonth(m), Digest: digest}
		if have[month.Month] == digest {
			month.Unchanged = true
		} else {
			month.Cells = cells
		}
		out.Months = append(out.Months, month)
	}
	return out, nil
}

// Encode writes an answer as JSON, gzipped if compress is set (the cells'
// JSON repeats itself: gzip makes it about 25 times smaller).
func Encode(w io.Writer, m *Months, compress bool) error {
	if !compress {
		return json.NewEncoder(w).Encode(m)
	}
	z := gzip.NewWriter(w)
	if err := json.NewEncoder(z).Encode(m); err != nil {
		return err
	}
	return z.Close()
}
