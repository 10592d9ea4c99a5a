package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/enrolment"
	"hailong/syncapi"
)

type measures struct {
	Unit         string
	UnitName     string `json:"unit_name"`
	Satisfaction prop
	HappyIndex   struct {
		N     int64
		Value *float64
	} `json:"happy_index"`
	SIPAS struct {
		Label    string
		Overall  *float64
		Elements []struct {
			ID    string
			Index *float64
		}
		Items []struct {
			ID string
			prop
		}
	}
	Circular01 struct {
		Indices []struct {
			Index  int
			Source string
			N      int64
			Score  *float64
		}
		Official score `json:"official_score"`
		Agency   score `json:"agency_score"`
	}
	Decision766 struct {
		Dossiers int64
		NotOK    int64 `json:"not_satisfied_complained_or_overdue"`
		prop
	}
	Targets []struct {
		Measure string
		Target  float64
		Source  string
		Value   *float64
		Gap     *float64
	}
	ByUnit []struct {
		Unit         string
		Rank         int
		Satisfaction prop
		Decision766  prop
	} `json:"by_unit"`
	ByMonth []struct {
		Month        string
		Satisfaction prop
		Decision766  prop
	} `json:"by_month"`
}

type prop struct {
	N, Successes int64
	Rate         *float64
	CI95         *[2]float64
	Enough       bool `json:"enough_ratings"`
}

type score struct {
	Value          *float64
	Classification string
	Missing        []int
}

func f(v *float64) float64 {
	if v == nil {
		return -1
	}
	return *v
}

const (
	d1 = "H15.50.05.13-260301-0001"
	d2 = "H15.50.05.13-260301-0002"
	d3 = "H15.50.05.13-260301-0003"
	d4 = "H15.50.05.13-260305-0004"
	d5 = "H15.50.05.13-260306-0005"
)

// TestMeasuresGolden checks every measure against figures computed by hand
// (see the comments), through the public API: outcomes reported by the
// one-stop software, ratings uploaded by a kiosk after them.
func TestMeasuresGolden(t *testing.T) {
	// A minimum sample of 1, so that the classifications show on this
	// handful of dossiers; TestMeasuresWithholdSmallSamples has the default.
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true, MinSample: 1})
	defer agg.Close()
	cred := enrolSince(t, agg, "kiosk-1", centre, time.Date(2026, 1, 1, 0, 0, 0, 0, hailong.Location))
	client, clientCred, _ := enrolment.Enrol("motcua-bacninh", "24", time.Now())
	if err := agg.DB().AddClient(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	date := func(s string) *hailong.Date { d, _ := hailong.ParseDate(s); return &d }
	outcome := func(dossier, due, returned string, complaints int, idx map[string]int) hailong.Outcome {
		o := hailong.Outcome{Dossier: dossier, Unit: centre, Procedure: "1.004227", Official: "cb-1",
			Received: *date("2026-03-01"), Due: *date(due), Complaints: complaints, Indices: idx}
		if returned != "" {
			o.Returned = date(returned)
		}
		return o
	}
	report := []hailong.Outcome{
		outcome(d1, "2026-03-10", "2026-03-08", 0, map[string]int{"2": 2, "5": 2, "6": 2, "8": 2, "9": 1}), // early
		outcome(d2, "2026-03-10", "2026-03-10", 1, map[string]int{"2": 1, "5": 1, "6": 2, "8": 1, "9": 1}), // on time, complaint
		outcome(d3, "2026-03-10", "2026-03-12", 0, map[string]int{"2": 0, "5": 1, "6": 2, "8": 0, "9": 0}), // late
		outcome(d4, "2026-03-20", "2026-03-15", 0, map[string]int{"2": 2}),                                 // early
		outcome(d5, "2026-03-20", "", 0, nil),                                                              // in progress
	}
	auth := http.Header{"Authorization": {"Bearer " + clientCred.String()}}
	status, body := postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": report}, auth)
	if status != 200 {
		t.Fatalf("outcomes: %d %s", status, body)
	}
	var res struct {
		Results []struct{ Dossier, Status, Reason string }
	}
	json.Unmarshal(body, &res)
	if len(res.Results) != len(report) {
		t.Fatalf("%d results for %d outcomes: %s", len(res.Results), len(report), body)
	}
	for _, r := range res.Results {
		if r.Status != "created" {
			t.Fatalf("outcome %s: %s %s", r.Dossier, r.Status, r.Reason)
		}
	}

	at := time.Date(2026, 3, 16, 3, 0, 0, 0, time.UTC)
	rating := func(q string, answers hailong.Answers, dossier string) hailong.Rating {
		return hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: q, Version: 1, Answers: answers,
			Official: "cb-1", Procedure: "1.004227", Dossier: dossier}, Channel: hailong.ChannelKiosk, Unit: centre, Kiosk: "kiosk-1", At: at}
	}
	cq := func(overall, resultTime, contacts, agencies, attitude int) hailong.Answers {
		return hailong.Answers{"overall": hailong.Int(overall), "result_time": hailong.Int(resultTime), "contacts": hailong.Int(contacts),
			"agencies": hailong.Int(agencies), "attitude": hailong.Int(attitude)}
	}
	upload := syncapi.Request{Ratings: []hailong.Rating{
		rating("counter-quick", cq(3, 2, 2, 1, 2), d1),
		rating("counter-quick", cq(2, 1, 1, 2, 1), d2),
		rating("counter-quick", cq(1, 0, 0, 0, 0), d3), // not satisfied: d3 is "bad" for Decision 766
		rating("counter-quick", cq(3, 1, 2, 2, 2), ""),
		rating("sipas", hailong.Answers{"overall": hailong.Int(5), "access_signs": hailong.Int(4), "access_seats": hailong.Int(2), "proc_posted": hailong.Int(5), "off_polite": hailong.Int(3)}, ""),
		rating("sipas", hailong.Answers{"overall": hailong.Int(3), "access_signs": hailong.Int(5), "access_seats": hailong.Int(4), "off_polite": hailong.Int(4)}, ""),
	}}
	syncOK(t, agg.URL(), cred, upload)

	var m measures
	if st := getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2026-03-01", "to", "2026-03-31", "breakdown", "units,months"), &m); st != 200 {
		t.Fatalf("measures: %d", st)
	}
	// Satisfaction: counter-quick 3 of 4 (levels 2 and 3), SIPAS 1 of 2 (4 and 5): 4 of 6.
	if m.Satisfaction.N != 6 || m.Satisfaction.Successes != 4 || f(m.Satisfaction.Rate) != 0.6667 || !m.Satisfaction.Enough {
		t.Errorf("satisfaction %+v", m.Satisfaction)
	}
	// Happy Index: counter-quick levels [1 1 2] → (0 + .5 + 2)/4 = 62.5; SIPAS
	// answers 5 and 3 → (1 + .5)/2 = 75; weighted (62.5·4 + 75·2)/6 = 66.6667.
	if m.HappyIndex.N != 6 || f(m.HappyIndex.Value) != 66.6667 {
		t.Errorf("happy index %+v %v", m.HappyIndex, f(m.HappyIndex.Value))
	}
	// SIPAS: access_signs 2/2, access_seats 1/2 → access 0.75; proc_posted 1/1 →
	// procedures 1; off_polite 1/2 → officials 0.5; overall mean 0.75.
	elements := map[string]float64{}
	for _, e := range m.SIPAS.Elements {
		elements[e.ID] = f(e.Index)
	}
	if elements["access"] != 0.75 || elements["procedures"] != 1 || elements["officials"] != 0.5 || elements["results"] != -1 || f(m.SIPAS.Overall) != 0.75 || m.SIPAS.Label != "SIPAS-style" {
		t.Errorf("SIPAS elements %v overall %v", elements, f(m.SIPAS.Overall))
	}
	// Circular 01. From outcomes (returned d1..d4): index 1 (2+1+0+2)/4 = 1.25 → 1.3;
	// 2 (2+1+0+2)/4 → 1.3; 5 (2+1+1)/3 → 1.3; 6 6/3 = 2; 8 3/3 = 1; 9 2/3 → 0.7.
	// From ratings: 3 (2+1+0+2)/4 → 1.3; 4 (1+2+0+2)/4 → 1.3; 7 (2+1+0+2)/4 → 1.3.
	want := map[int]struct {
		source string
		score  float64
	}{1: {"outcomes", 1.3}, 2: {"outcomes", 1.3}, 3: {"ratings", 1.3}, 4: {"ratings", 1.3}, 5: {"outcomes", 1.3},
		6: {"outcomes", 2}, 7: {"ratings", 1.3}, 8: {"outcomes", 1}, 9: {"outcomes", 0.7}}
	for _, ix := range m.Circular01.Indices {
		if w := want[ix.Index]; ix.Source != w.source || f(ix.Score) != w.score {
			t.Errorf("index %d: %s %v, want %s %v", ix.Index, ix.Source, f(ix.Score), w.source, w.score)
		}
	}
	// Official: 1.3·5 = 6.5 → 100%. Agency: 1.3·6 + 2 + 1 + 0.7 = 11.5 → fair.
	if f(m.Circular01.Official.Value) != 6.5 || m.Circular01.Official.Classification != "100%" {
		t.Errorf("official score %+v", m.Circular01.Official)
	}
	if f(m.Circular01.Agency.Value) != 11.5 || m.Circular01.Agency.Classification != "fair" {
		t.Errorf("agency score %+v", m.Circular01.Agency)
	}
	// Decision 766: 4 returned dossiers; d2 complained about, d3 late and rated
	// not satisfied: (4 − 2)/4 = 0.5.
	if m.Decision766.Dossiers != 4 || m.Decision766.NotOK != 2 || f(m.Decision766.Rate) != 0.5 {
		t.Errorf("decision 766 %+v", m.Decision766)
	}
	// Targets for 2026: the next due are 95% satisfaction (2030) and the 766
	// ratio's 90% (2025, the last one): gaps 0.6667 − 0.95 and 0.5 − 0.9.
	if len(m.Targets) != 2 || m.Targets[0].Measure != "satisfaction" || m.Targets[0].Target != 0.95 || m.Targets[0].Source == "" ||
		f(m.Targets[0].Gap) != -0.2833 || f(m.Targets[1].Gap) != -0.4 {
		t.Errorf("targets %+v", m.Targets)
	}
	// The breakdowns: every rating and dossier is in March and at 09190.
	if len(m.ByMonth) != 1 || m.ByMonth[0].Month != "2026-03" || m.ByMonth[0].Satisfaction.N != 6 ||
		m.ByMonth[0].Decision766.N != 4 || m.ByMonth[0].Decision766.Successes != 2 {
		t.Errorf("by month %+v", m.ByMonth)
	}
	byUnit, byUnit766 := map[string]int64{}, map[string][2]int64{}
	for _, u := range m.ByUnit {
		byUnit[u.Unit] = u.Satisfaction.N
		byUnit766[u.Unit] = [2]int64{u.Decision766.N, u.Decision766.Successes}
	}
	if byUnit["09190"] != 6 || byUnit["09250"] != 0 || len(m.ByUnit) != 5 ||
		byUnit766["09190"] != [2]int64{4, 2} || byUnit766["09250"] != [2]int64{0, 0} {
		t.Errorf("by unit %+v", m.ByUnit)
	}

	// Ratings and reports in either order. d4 (early, no complaint) is rated
	// not satisfied after its report; d7 before its report; d6 is rated
	// neutral (Bình thường), which is neither satisfied nor not.
	d6, d7 := "H15.50.05.13-260307-0006", "H15.50.05.13-260307-0007"
	late := syncapi.Request{Ratings: []hailong.Rating{
		rating("counter-quick", cq(1, 2, 2, 2, 2), d4),
		rating("sipas", hailong.Answers{"overall": hailong.Int(3)}, d6),
		rating("counter-quick", cq(1, 1, 2, 2, 2), d7),
	}}
	syncOK(t, agg.URL(), cred, late)
	getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", centre, "from", "2026-03-01", "to", "2026-03-31"), &m)
	if m.Decision766.Dossiers != 4 || m.Decision766.NotOK != 3 {
		t.Errorf("after d4 was rated not satisfied: %+v", m.Decision766)
	}
	more := append(report, outcome(d6, "2026-03-20", "2026-03-18", 0, nil), outcome(d7, "2026-03-20", "2026-03-18", 0, nil))
	status, body = postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": more}, auth)
	json.Unmarshal(body, &res)
	wantStatus := []string{"unchanged", "unchanged", "unchanged", "unchanged", "unchanged", "created", "created"}
	if len(res.Results) != len(wantStatus) {
		t.Fatalf("%d results, want %d: %s", len(res.Results), len(wantStatus), body)
	}
	for i, r := range res.Results {
		if status != 200 || r.Status != wantStatus[i] {
			t.Errorf("report %d (%s): %s, want %s", i, r.Dossier, r.Status, wantStatus[i])
		}
	}
	getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", centre, "from", "2026-03-01", "to", "2026-03-31"), &m)
	if m.Decision766.Dossiers != 6 || m.Decision766.NotOK != 4 {
		t.Errorf("with d6 (neutral) and d7 (not satisfied, rated first): %+v, want 4 of 6 not OK", m.Decision766)
	}
	// A changed report replaces the old one.
	report[1].Complaints = 0
	status, body = postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": report[1:2]}, auth)
	json.Unmarshal(body, &res)
	if status != 200 || len(res.Results) != 1 || res.Results[0].Status != "updated" {
		t.Errorf("changed report: %d %s", status, body)
	}
	getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", centre, "from", "2026-03-01", "to", "2026-03-31"), &m)
	if m.Decision766.Dossiers != 6 || m.Decision766.NotOK != 3 {
		t.Errorf("after d2's complaint was withdrawn: %+v", m.Decision766)
	}
	// Filters: one official's score; the field of the procedure.
	getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2026-03-01", "to", "2026-03-31", "field", "Hộ tịch", "official", "cb-1"), &m)
	if m.Satisfaction.N != 9 || m.Decision766.Dossiers != 6 {
		t.Errorf("field and official filters: %+v %+v", m.Satisfaction, m.Decision766)
	}
	getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2026-03-01", "to", "2026-03-31", "field", "Đất đai"), &m)
	if m.Satisfaction.N != 0 || m.Decision766.Dossiers != 0 {
		t.Errorf("another field: %+v %+v", m.Satisfaction, m.Decision766)
	}
}

func TestOutcomeReportsAreChecked(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	client, cred, _ := enrolment.Enrol("motcua-tuson", "09250", time.Now())
	agg.DB().AddClient(t.Context(), client)
	auth := http.Header{"Authorization": {"Bearer " + cred.String()}}
	if st, _ := postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": []any{}}, nil); st != 401 {
		t.Errorf("no credential: %d", st)
	}
	st, body := postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": []map[string]any{
		{"dossier": "X1-260301-0001", "unit": "TT-09250", "received": "2026-03-01", "due": "2026-03-05", "returned": "2026-03-04"},
		{"dossier": "X1-260301-0002", "unit": "TT-09190", "received": "2026-03-01", "due": "2026-03-05"},                                 // another ward
		{"dossier": "bad", "unit": "TT-09250", "received": "2026-03-05", "due": "2026-03-01", "indices": map[string]int{"3": 2, "5": 7}}, // many faults
	}}, auth)
	var res struct {
		Results []struct{ Dossier, Status, Reason string }
	}
	json.Unmarshal(body, &res)
	if st != 200 || len(res.Results) != 3 || res.Results[0].Status != "created" || res.Results[1].Status != "rejected" || res.Results[2].Status != "rejected" {
		t.Fatalf("%d %s", st, body)
	}
	for _, want := range []string{"dossier:", "due:", "indices.3:", "indices.5:"} {
		if !strings.Contains(res.Results[2].Reason, want) {
			t.Errorf("reason %q lacks %q", res.Results[2].Reason, want)
		}
	}
	if st, _ := postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": []map[string]any{{"dossier": "X1-260301-0001", "unit": "TT-09250", "received": "2026-03-01", "due": "2026-03-05", "returned": "2026-03-04"}}, "extra": 1}, auth); st != 400 {
		t.Errorf("unknown field: %d", st)
	}
}

// TestOutcomesAndRollupsSurviveRestarts reports a dossier twice, restarts,
// and expects the latest report and the rating to count once. (Restarts
// after a crash are TestAggregatorKilledAfterAcknowledging's.)
func TestOutcomesAndRollupsSurviveRestarts(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	agg := startAggregator(t, dir, addr)
	cred := enrolSince(t, agg, "kiosk-1", centre, time.Date(2026, 1, 1, 0, 0, 0, 0, hailong.Location))
	client, clientCred, _ := enrolment.Enrol("motcua", "24", time.Now())
	agg.DB().AddClient(t.Context(), client)
	auth := http.Header{"Authorization": {"Bearer " + clientCred.String()}}
	ret, _ := hailong.ParseDate("2026-03-09")
	o := hailong.Outcome{Dossier: d1, Unit: centre, Received: ret - 9, Due: ret - 1, Returned: &ret} // late
	postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": []hailong.Outcome{o}}, auth)
	o.Due = ret + 1 // corrected: it was early
	postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": []hailong.Outcome{o}}, auth)
	r := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
		Answers: hailong.Answers{"overall": hailong.Int(3)}, Dossier: d1}, Channel: hailong.ChannelKiosk, Unit: centre, Kiosk: "kiosk-1",
		At: ret.Start().Add(10 * time.Hour).UTC()}
	syncOK(t, agg.URL(), cred, syncapi.Request{Ratings: []hailong.Rating{r}})
	check := func(when string) {
		t.Helper()
		var m measures
		getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2026-03-01", "to", "2026-03-31"), &m)
		if m.Decision766.Dossiers != 1 || m.Decision766.NotOK != 0 || m.Satisfaction.N != 1 || m.Circular01.Indices[0].Source != "outcomes" || f(m.Circular01.Indices[0].Score) != 2 {
			t.Fatalf("%s: 766 %+v, satisfaction %+v, index 1 %+v", when, m.Decision766, m.Satisfaction, m.Circular01.Indices[0])
		}
	}
	check("before restarting")
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	agg = startAggregator(t, dir, addr)
	defer agg.Close()
	check("after a clean restart")
}

// TestMeasuresWithholdSmallSamples: with the default minimum sample, a
// handful of ratings gives values but no classification.
func TestMeasuresWithholdSmallSamples(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	r := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
		Answers: hailong.Answers{"overall": hailong.Int(3), "result_time": hailong.Int(2), "contacts": hailong.Int(2), "agencies": hailong.Int(2), "attitude": hailong.Int(2)}},
		Channel: hailong.ChannelKiosk, Unit: centre, Kiosk: "kiosk-1", At: time.Now().UTC().Truncate(time.Millisecond)}
	syncOK(t, agg.URL(), cred, syncapi.Request{Ratings: []hailong.Rating{r}})
	var m measures
	getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", today(), "to", today()), &m)
	if m.Satisfaction.N != 1 || m.Satisfaction.Enough || m.Circular01.Official.Classification != "" || m.Targets[0].Gap != nil {
		t.Errorf("one rating: %+v, official %+v, target %+v", m.Satisfaction, m.Circular01.Official, m.Targets[0])
	}
	// Months across a year's end.
	getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2025-11-15", "to", "2026-02-10", "breakdown", "months"), &m)
	var months []string
	for _, row := range m.ByMonth {
		months = append(months, row.Month)
	}
	if !slices.Equal(months, []string{"2025-11", "2025-12", "2026-01", "2026-02"}) {
		t.Errorf("months %v", months)
	}
}

// TestStopWhileTheOutcomeBookIsRead: a stop that comes before the outcome
// book is read in the background, or while it is, returns, saving nothing
// of the book, and the next start has every dossier.
func TestStopWhileTheOutcomeBookIsRead(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	agg := startAggregator(t, dir, addr)
	const n = 5000
	for start := 0; start < n; start += 1000 {
		batch := make([]hailong.Outcome, 1000)
		for i := range batch {
			ret := hailong.DateFromYMD(2026, 3, 9)
			batch[i] = hailong.Outcome{Dossier: fmt.Sprintf("H22.39-260301-%06d", start+i), Unit: centre,
				Received: ret - 9, Due: ret + 1, Returned: &ret}
		}
		if _, err := agg.Outcomes().Report(t.Context(), batch, func(string) bool { return true }); err != nil {
			t.Fatal(err)
		}
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		read bool // whether the read is let begin just before the stop
	}{{"before the read", false}, {"as the read begins", true}} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			hold := make(chan struct{})
			agg := startAggregatorWith(t, aggapp.Config{Listen: addr, DataDir: dir, DemoData: true, BookAfter: hold})
			if tc.read {
				close(hold)
			}
			select {
			case <-agg.Outcomes().Opened():
				t.Fatal("the outcome book was read before the stop")
			default:
			}
			closed := make(chan error, 1)
			go func() { closed <- agg.Close() }()
			select {
			case err := <-closed:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(time.Minute):
				t.Fatal("a stop before the outcome book was read did not return")
			}
			agg = startAggregator(t, dir, addr)
			defer agg.Close()
			if got := agg.Outcomes().Dossiers(); got != n {
				t.Fatalf("%d dossiers after the stop, want %d", got, n)
			}
		})
	}
}

// TestTheOutcomeBookKeepsWithinItsBudget: the outcome book is saved by
// month and a restart reads none of it; late reports of dossiers of four
// old months read those months, which cannot be dropped until saved; past
// the budget, the serving aggregator saves the book on its own and drops
// them again, and the figures stay as reported, after a restart too.
func TestTheOutcomeBookKeepsWithinItsBudget(t *testing.T) {
	dir := t.TempDir()
	cfg := aggapp.Config{Listen: "127.0.0.1:0", DataDir: dir, DemoData: true, MinSample: 1, OutcomesBudget: 2, BookSaveCheck: 20 * time.Millisecond}
	agg := startAggregatorWith(t, cfg)
	client, clientCred, _ := enrolment.Enrol("motcua-bacninh", "24", time.Now())
	if err := agg.DB().AddClient(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	auth := http.Header{"Authorization": {"Bearer " + clientCred.String()}}
	report := func(agg *aggapp.Main, returned int) {
		t.Helper()
		var batch []hailong.Outcome
		for m := 1; m <= 4; m++ {
			for i := range 2 {
				ret := hailong.DateFromYMD(2026, time.Month(m), 10+returned)
				batch = append(batch, hailong.Outcome{Dossier: fmt.Sprintf("H22.39-26%02d05-%04d", m, i), Unit: centre, Procedure: "1.004227",
					Received: hailong.DateFromYMD(2026, time.Month(m), 5), Due: hailong.DateFromYMD(2026, time.Month(m), 11), Returned: &ret})
			}
		}
		if status, body := postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": batch}, auth); status != 200 {
			t.Fatalf("outcomes: %d %s", status, body)
		}
	}
	dossiers := func(agg *aggapp.Main) (all, overdue int64) {
		t.Helper()
		var m struct{ Decision766 figures766 }
		if st := getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2026-01-01", "to", "2026-04-30"), &m); st != 200 {
			t.Fatalf("measures: %d", st)
		}
		return m.Decision766.Dossiers, m.Decision766.Overdue
	}
	t.Cleanup(func() { agg.Close() })
	restart := func() {
		t.Helper()
		agg.Close() // a clean stop saves the book
		cfg.DemoData = false
		agg = startAggregatorWith(t, cfg)
		waitFor(t, "the outcome book to open", func() bool { return isClosed(agg.Outcomes().Opened()) })
	}
	waitFor(t, "the outcome book to open", func() bool { return isClosed(agg.Outcomes().Opened()) })
	report(agg, 0) // on time
	restart()
	if held := agg.Outcomes().Resident(); held != 0 {
		t.Fatalf("a clean start holds %d dossiers of the book, want none", held)
	}
	report(agg, 2) // each reported again, late: every month read and changed
	waitFor(t, "the book saved and back within its budget", func() bool { return agg.Outcomes().Resident() <= 2 })
	if all, overdue := dossiers(agg); all != 8 || overdue != 8 {
		t.Fatalf("%d dossiers, %d overdue; want the 8 reported late", all, overdue)
	}
	restart()
	if all, overdue := dossiers(agg); all != 8 || overdue != 8 {
		t.Fatalf("after a restart: %d dossiers, %d overdue; want the 8 reported late", all, overdue)
	}
}

// isClosed reports whether c is closed.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
