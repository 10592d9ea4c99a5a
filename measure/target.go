package measure

import (
	"encoding/json"
	"fmt"
	"io"
)

// Target is a level a measure should reach by a year, with the document
// that sets it. Targets are configuration, not code: they change with plans.
type Target struct {
	Measure string  `json:"measure"` // "satisfaction" or "decision766"
	Target  float64 `json:"target"`  // a proportion, 0 to 1
	By      int     `json:"by"`      // the year it is due
	Source  string  `json:"source"`
}

// ReadTargets reads a JSON list of targets.
func ReadTargets(r io.Reader) ([]Target, error) {
	var ts []Target
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ts); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	for i, t := range ts {
		if t.Measure != "satisfaction" && t.Measure != "decision766" {
			return nil, fmt.Errorf("target %d: unknown measure %q", i+1, t.Measure)
		}
		if t.Target <= 0 || t.Target > 1 || t.Source == "" || t.By < 2000 {
			return nil, fmt.Errorf("target %d: needs a proportion in (0, 1], a year and a source", i+1)
		}
	}
	return ts, nil
}

// Current returns, for each measure, the target due soonest on or after
// year, or the last one if all are past.
func Current(ts []Target, year int) []Target {
	best := map[string]Target{}
	for _, t := range ts {
		b, ok := best[t.Measure]
		switch {
		case !ok:
			best[t.Measure] = t
		case t.By >= year && (b.By < year || t.By < b.By):
			best[t.Measure] = t
		case b.By < year && t.By > b.By:
			best[t.Measure] = t
		}
	}
	var out []Target
	for _, m := range []string{"satisfaction", "decision766"} {
		if t, ok := best[m]; ok {
			out = append(out, t)
		}
	}
	return out
}
