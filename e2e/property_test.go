package e2e

import (
	"context"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"testing"
	"time"

	"hailong"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/syncapi"
)

// inSubtree decides by brute force, from the unit records alone, whether a
// rating given at unit counts under root in the structure in force on asOf.
func inSubtree(records []hierarchy.Unit, unit, root string, asOf hailong.Date) bool {
	at := func(code string) (hierarchy.Unit, bool) {
		for _, r := range records {
			if r.Code == code && r.From <= asOf && (r.Until == 0 || asOf < r.Until) {
				return r, true
			}
		}
		return hierarchy.Unit{}, false
	}
	for hops := 0; hops < 20; hops++ { // follow successors of ended units
		if _, ok := at(unit); ok {
			break
		}
		var last hierarchy.Unit
		for _, r := range records {
			if r.Code == unit && r.From > last.From {
				last = r
			}
		}
		if last.Code == "" || last.Until == 0 || last.Until > asOf || last.Successor == "" {
			return false
		}
		unit = last.Successor
	}
	for hops := 0; hops < 20; hops++ {
		if unit == root {
			return true
		}
		r, ok := at(unit)
		if !ok || r.Parent == "" {
			return false
		}
		unit = r.Parent
	}
	return false
}

// TestMeasuresEqualBruteForceAcrossTheReorganisation stores random ratings
// and outcomes at units before and after the 1 July 2025 merger, then asks
// random questions and compares every answer with a computation from the
// raw data alone.
func TestMeasuresEqualBruteForceAcrossTheReorganisation(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	uf, _ := assets.FS("").Open(assets.DemoUnits)
	tree, err := hierarchy.ReadCSV(uf)
	uf.Close()
	if err != nil {
		t.Fatal(err)
	}
	records := tree.Records()
	merger := hailong.DateFromYMD(2025, 7, 1)
	oldCentres := []string{"TT-27", "MC-256", "MC-261", "MC-213", "TT-24"}
	newCentres := []string{"TT-24", "TT-09190", "TT-09250", "TT-07210", "TT-07450"}
	rng := rand.New(rand.NewPCG(76, 2022))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	start := hailong.DateFromYMD(2025, 1, 1)

	var ratings []hailong.Rating
	byUnit := map[string][]hailong.Rating{}
	for i := 0; i < 1500; i++ {
		d := start + hailong.Date(rng.IntN(540))
		unit := pick(newCentres...)
		if d < merger {
			unit = pick(oldCentres...)
		}
		r := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Version: 1,
			Official: pick("cb-1", "cb-2", "cb-3"), Procedure: pick("1.004227", "2.000908", "1.001612")},
			Channel: hailong.ChannelKiosk, Unit: unit, Kiosk: "seed-" + unit, At: d.Start().Add(9 * time.Hour).UTC()}
		if rng.IntN(4) == 0 {
			r.Questionnaire = "sipas"
			r.Answers = hailong.Answers{"overall": hailong.Int(1 + rng.IntN(5))}
		} else {
			r.Questionnaire = "counter-quick"
			r.Answers = hailong.Answers{"overall": hailong.Int(1 + rng.IntN(3)), "result_time": hailong.Int(rng.IntN(3)), "attitude": hailong.Int(rng.IntN(3))}
			if rng.IntN(2) == 0 {
				r.Dossier = "H15.50-250101-" + string(rune('0'+rng.IntN(10))) + "00" + string(rune('0'+rng.IntN(10)))
			}
		}
		ratings = append(ratings, r)
		byUnit[unit] = append(byUnit[unit], r)
	}
	for unit, rs := range byUnit {
		k := hailong.Enrolment{ID: "seed-" + unit, Unit: unit}
		for len(rs) > 0 {
			n := min(len(rs), syncapi.MaxBatch)
			if _, err := agg.Ingester().Ingest(context.Background(), k, 0, rs[:n]); err != nil {
				t.Fatal(err)
			}
			rs = rs[n:]
		}
	}
	var outcomes []hailong.Outcome
	seen := map[string]bool{}
	for _, r := range ratings { // outcomes for the rated dossiers, and some more
		if r.Dossier == "" || seen[r.Dossier] {
			continue
		}
		seen[r.Dossier] = true
		d := hailong.DateOf(r.At)
		due := d + hailong.Date(rng.IntN(5))
		ret := d + hailong.Date(rng.IntN(8))
		o := hailong.Outcome{Dossier: r.Dossier, Unit: r.Unit, Procedure: r.Procedure, Official: r.Official,
			Received: d - 10, Due: due, Returned: &ret, Complaints: rng.IntN(6) / 5, Indices: map[string]int{"2": rng.IntN(3)}}
		outcomes = append(outcomes, o)
	}
	if _, err := agg.Outcomes().Report(context.Background(), outcomes, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	unhappy := map[string]bool{}
	for _, r := range ratings {
		if r.Dossier != "" && r.Answers["overall"].Value < 2 { // counter-quick: 2 and 3 are satisfied
			unhappy[r.Dossier] = true
		}
	}

	nonEmpty, withOutcomes := 0, 0
	for i := 0; i < 60; i++ {
		asOf := pick("2025-06-30", "2026-06-30")
		var root string
		if asOf == "2025-06-30" {
			root = pick("24", "27", "213", "256", "MC-256", "TT-24")
		} else {
			root = pick("24", "09190", "09250", "07210", "TT-24")
		}
		from := start + hailong.Date(rng.IntN(540))
		to := from + hailong.Date(rng.IntN(200))
		official := pick("", "", "cb-1", "cb-2")
		procedure := pick("", "", "1.004227")
		field := pick("", "", "", "Hộ tịch", "Đất đai")
		asOfDate, _ := hailong.ParseDate(asOf)

		// Brute force.
		var n, sat int64
		var happyNum float64
		var idx1Sum, idx1N int64
		for _, r := range ratings {
			d := hailong.DateOf(r.At)
			if d < from || d > to || !inSubtree(records, r.Unit, root, asOfDate) ||
				(official != "" && r.Official != official) || (procedure != "" && r.Procedure != procedure) ||
				(field != "" && demoFields[r.Procedure] != field) {
				continue
			}
			n++
			v := r.Answers["overall"].Value
			k := 3
			if r.Questionnaire == "sipas" {
				k = 5
			}
			if v >= k-1 {
				sat++
			}
			happyNum += float64(v-1) / float64(k-1)
			if a, ok := r.Answers["result_time"]; ok {
				idx1Sum += int64(a.Value)
				idx1N++
			}
		}
		var dossiers, bad int64
		for _, o := range outcomes {
			if *o.Returned < from || *o.Returned > to || !inSubtree(records, o.Unit, root, asOfDate) ||
				(official != "" && o.Official != official) || (procedure != "" && o.Procedure != procedure) ||
				(field != "" && demoFields[o.Procedure] != field) {
				continue
			}
			dossiers++
			if *o.Returned > o.Due || o.Complaints > 0 || unhappy[o.Dossier] {
				bad++
			}
		}

		v := url.Values{"unit": {root}, "from": {from.String()}, "to": {to.String()}, "as_of": {asOf}}
		if official != "" {
			v.Set("official", official)
		}
		if procedure != "" {
			v.Set("procedure", procedure)
		}
		if field != "" {
			v.Set("field", field)
		}
		var m measures
		if st := getJSON(t, agg.URL()+"/api/v1/measures?"+v.Encode(), &m); st != 200 {
			t.Fatalf("%s: %d", v.Encode(), st)
		}
		if n > 0 {
			nonEmpty++
		}
		if dossiers > 0 {
			withOutcomes++
		}
		if m.Satisfaction.N != n || m.Satisfaction.Successes != sat {
			t.Fatalf("%s: satisfaction %d/%d, brute force %d/%d", v.Encode(), m.Satisfaction.Successes, m.Satisfaction.N, sat, n)
		}
		if n > 0 && math.Abs(f(m.HappyIndex.Value)-math.Round(100*happyNum/float64(n)*1e4)/1e4) > 1e-3 {
			t.Fatalf("%s: happy index %v, brute force %v", v.Encode(), f(m.HappyIndex.Value), 100*happyNum/float64(n))
		}
		if m.Decision766.Dossiers != dossiers || m.Decision766.NotOK != bad {
			t.Fatalf("%s: 766 %d/%d, brute force %d/%d", v.Encode(), m.Decision766.NotOK, m.Decision766.Dossiers, bad, dossiers)
		}
		i1 := slices.IndexFunc(m.Circular01.Indices, func(x struct {
			Index  int
			Source string
			N      int64
			Score  *float64
		}) bool {
			return x.Index == 1
		})
		if dossiers == 0 && m.Circular01.Indices[i1].N != idx1N {
			t.Fatalf("%s: index 1 from %d ratings, brute force %d (sum %d)", v.Encode(), m.Circular01.Indices[i1].N, idx1N, idx1Sum)
		}
	}
	if nonEmpty < 20 || withOutcomes < 10 {
		t.Fatalf("only %d questions had ratings and %d outcomes: the test proves too little", nonEmpty, withOutcomes)
	}
	// The merged province's 2025 ratings appear inside its successor.
	var m measures
	getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2025-01-01", "to", "2025-06-30", "as_of", "2026-06-30"), &m)
	var old int64
	for _, r := range ratings {
		if d := hailong.DateOf(r.At); d < merger {
			old++
		}
	}
	if m.Satisfaction.N != old || old == 0 {
		t.Fatalf("new province 24 holds %d of the %d pre-merger ratings", m.Satisfaction.N, old)
	}
}

// demoFields are the fields of the demo catalogue's procedures that the
// property test's ratings use.
var demoFields = map[string]string{"1.004227": "Hộ tịch", "2.000908": "Chứng thực", "1.001612": "Đất đai"}
