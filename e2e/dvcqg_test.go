package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/enrolment"
	"hailong/syncapi"
)

// outcomeResults is the answer of POST /api/v1/outcomes.
type outcomeResults struct {
	Results []struct{ Dossier, Status, Reason string }
}

// dvcqgHeader authenticates a one-stop client and names the national
// portal's record format.
func dvcqgHeader(cred string) http.Header {
	return http.Header{"Authorization": {"Bearer " + cred}, "Content-Type": {"application/vnd.dvcqg.dongbohosomc+json"}}
}

// addClient enrols a one-stop client for the province and returns its
// credential.
func addClient(t *testing.T, agg *aggapp.Main, id string) string {
	t.Helper()
	client, cred, err := enrolment.Enrol(id, "24", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := agg.DB().AddClient(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func postOutcomes(t *testing.T, agg *aggapp.Main, body any, header http.Header) outcomeResults {
	t.Helper()
	status, b := postJSON(t, agg.URL()+"/api/v1/outcomes", body, header)
	if status != 200 {
		t.Fatalf("outcomes: %d %s", status, b)
	}
	var res outcomeResults
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// decision766 reads /api/v1/measures' Decision 766 figures for March 2026.
type figures766 struct {
	Dossiers, Overdue, Complained, N, Successes int64
	NotOK                                       int64 `json:"not_satisfied_complained_or_overdue"`
	Rate                                        float64
}

func march766(t *testing.T, agg *aggapp.Main) figures766 {
	t.Helper()
	var m struct {
		Decision766 figures766
	}
	if st := getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2026-03-01", "to", "2026-03-31"), &m); st != 200 {
		t.Fatalf("measures: %d", st)
	}
	return m.Decision766
}

// TestDVCQGRecords reports a batch of the national portal's DongBoHoSoMC
// records with every status, a due date moved by a supplement and statuses
// the portal does not have; sends it again; and exports the figures in the
// portal's shape.
func TestDVCQGRecords(t *testing.T) {
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true, MinSample: 1})
	defer agg.Close()
	header := dvcqgHeader(addClient(t, agg, "motcua-dvcqg"))
	code := func(i int) string { return fmt.Sprintf("G09.20-202603%02d-00926%02d", i, i) }
	record := func(i int, status any) map[string]any {
		return map[string]any{"MaHoSo": code(i), "MaTTHC": "1.004227", "MaLinhVuc": "G09-TP01", "KenhThucHien": 1,
			"TrangThaiHoSo": status, "NgayTiepNhan": "20260302081500", "NgayHenTra": "20260310170000", "DonViXuLy": "000.00.09.H22",
			"ChuHoSo": "Nguyễn Văn A", "SoDienThoai": "0912345678"} // never stored
	}
	var data []map[string]any
	for st := 1; st <= 9; st++ {
		data = append(data, record(st, st))
	}
	early := record(10, 10)
	early["NgayTra"] = "20260309100000"
	extended := record(11, "10") // a string, as some software writes it
	extended["KenhThucHien"] = "2"
	extended["NgayTra"] = "20260313100000" // after NgayHenTra, before the moved due date
	extended["DanhSachHoSoBoSung"] = []map[string]any{{"NgayHenTraTruoc": "20260310170000", "NgayHenTraMoi": "20260316170000"}}
	late := record(12, 10)
	late["NgayTra"] = "20260312100000"
	unknown := record(13, 11)
	unknown["NgayTra"] = "20260309100000"
	notANumber := record(14, "xong")
	noReturn := record(15, 10)
	future := record(16, 10) // returned in 2099: a slip of the software's clock or its clerk
	future["NgayTra"] = "20991109100000"
	defaulted := record(17, 10) // received on a default day
	defaulted["NgayTiepNhan"], defaulted["NgayTra"] = "19000101000000", "20260309100000"
	data = append(data, early, extended, late, unknown, notANumber, noReturn, future, defaulted)
	batch := map[string]any{"service": "DongBoHoSoMC", "unit": centre, "data": data}

	want := map[string]string{code(10): "created", code(11): "created", code(12): "created",
		code(13): "rejected", code(14): "rejected", code(15): "rejected", code(16): "rejected", code(17): "rejected"}
	for st := 1; st <= 9; st++ {
		want[code(st)] = "ignored"
	}
	check := func(res outcomeResults) {
		t.Helper()
		if len(res.Results) != len(data) {
			t.Fatalf("%d results for %d records", len(res.Results), len(data))
		}
		for i, r := range res.Results {
			if r.Dossier != data[i]["MaHoSo"] || r.Status != want[r.Dossier] {
				t.Errorf("record %d: %s %s %q, want %s", i, r.Dossier, r.Status, r.Reason, want[code(i+1)])
			}
			if (r.Status == "ignored" || r.Status == "rejected") && r.Reason == "" {
				t.Errorf("record %d: %s without a reason", i, r.Status)
			}
		}
	}
	res := postOutcomes(t, agg, batch, header)
	check(res)
	for i, field := range map[int]string{12: "TrangThaiHoSo", 13: "TrangThaiHoSo", 14: "NgayTra", 15: "NgayTra: 2099-11-09 is after today", 16: "NgayTiepNhan: 1900-01-01 is not a day"} {
		if r := res.Results[i].Reason; !strings.Contains(r, field) {
			t.Errorf("record %d's reason %q does not name %s", i, r, field)
		}
	}

	// Three returned dossiers; the late one is overdue, the one returned
	// after NgayHenTra but before the supplement's new due date is not.
	got := march766(t, agg)
	if got.Dossiers != 3 || got.Overdue != 1 || got.NotOK != 1 || got.Successes != 2 {
		t.Fatalf("decision 766 %+v, want 3 dossiers, 1 overdue", got)
	}

	t.Run("sent again changes nothing", func(t *testing.T) {
		for k, v := range want {
			if v == "created" {
				want[k] = "unchanged"
			}
		}
		check(postOutcomes(t, agg, batch, header))
		if again := march766(t, agg); again != got {
			t.Errorf("after the same batch again: %+v, was %+v", again, got)
		}
	})

	t.Run("export in the portal's shape", func(t *testing.T) {
		var m struct {
			Decision766 figures766
			Targets     []struct {
				Measure string
				Target  float64
			}
		}
		getJSON(t, agg.URL()+"/api/v1/measures?"+q("unit", "24", "from", "2026-03-01", "to", "2026-03-31"), &m)
		var ex struct {
			Unit, Period string
			Metrics      []struct {
				Code                   string
				Numerator, Denominator int64
				Ratio, Score           *float64
				MaxScore               float64 `json:"maxScore"`
				FullAt                 float64 `json:"fullAt"`
			}
		}
		if st := getJSON(t, agg.URL()+"/api/v1/exports/dvcqg?"+q("unit", "24", "period", "2026-03"), &ex); st != 200 {
			t.Fatalf("export: %d", st)
		}
		if len(ex.Metrics) != 1 || ex.Period != "2026-03" {
			t.Fatalf("export %+v", ex)
		}
		e := ex.Metrics[0]
		if e.Code != "766.HL.TTHC" || e.Numerator != m.Decision766.Successes || e.Denominator != m.Decision766.N ||
			e.Ratio == nil || *e.Ratio != m.Decision766.Rate || e.MaxScore != 6 {
			t.Fatalf("export %+v, measures %+v", e, m.Decision766)
		}
		fullAt := 0.9
		for _, tg := range m.Targets {
			if tg.Measure == "decision766" {
				fullAt = tg.Target
			}
		}
		want := math.Round(6*math.Min(1, *e.Ratio/fullAt)*100) / 100
		if e.FullAt != fullAt || e.Score == nil || *e.Score != want {
			t.Errorf("score %v of %v at %v, want %v at %v", e.Score, e.MaxScore, e.FullAt, want, fullAt)
		}
	})

	t.Run("bad batches", func(t *testing.T) {
		for name, body := range map[string]any{
			"another service": map[string]any{"service": "CapNhatTienDoHoSoMC", "data": []any{}},
			"no data":         map[string]any{"service": "DongBoHoSoMC"},
			"unknown member":  map[string]any{"data": []any{}, "session": "x"},
		} {
			if st, b := postJSON(t, agg.URL()+"/api/v1/outcomes", body, header); st != 400 {
				t.Errorf("%s: %d %s", name, st, b)
			}
		}
	})
}

// TestDossierMatchedByEitherCode: a citizen's "not satisfied" counts
// against the dossier's outcome whichever of its two codes the rating and
// the outcome carry, and still after a restart.
func TestDossierMatchedByEitherCode(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	agg := startAggregator(t, dir, addr)
	kioskCred := enrolSince(t, agg, "kiosk-1", centre, time.Date(2026, 1, 1, 0, 0, 0, 0, hailong.Location))
	clientCred := addClient(t, agg, "motcua-igate")
	own := http.Header{"Authorization": {"Bearer " + clientCred}}
	const (
		localA, nationA = "H22.39-260305-0101", "G09.20-20260305-0000101"
		localB, nationB = "H22.39-260306-0102", "G09.20-20260306-0000102"
	)

	// A: the citizen rates by the QR link on the receipt, which carries
	// the one-stop software's own code.
	k := startKiosk(t, t.TempDir(), agg.URL(), kioskCred, centre)
	tok := issueToken(t, k.URL(), `{"dossier":"`+localA+`","procedure":"1.004227"}`)
	if st, page := newPhone(t).rate(tok.URL, url.Values{"overall": {"1"}}); st != 200 {
		t.Fatalf("QR rating: %d\n%s", st, page)
	}
	k.Close()
	// The portal's record knows A by its national code only: no link yet.
	postOutcomes(t, agg, map[string]any{"unit": centre, "data": []map[string]any{{"MaHoSo": nationA, "TrangThaiHoSo": 10,
		"NgayTiepNhan": "20260305080000", "NgayHenTra": "20260312170000", "NgayTra": "20260311090000"}}}, dvcqgHeader(clientCred))
	if got := march766(t, agg); got.Dossiers != 1 || got.NotOK != 0 {
		t.Fatalf("before the codes are linked: %+v", got)
	}
	// The one-stop software then reports both codes: the rating joins.
	d := func(s string) hailong.Date { v, _ := hailong.ParseDate(s); return v }
	ret := d("2026-03-11")
	res := postOutcomes(t, agg, map[string]any{"outcomes": []hailong.Outcome{
		{Dossier: localA, NationalDossier: nationA, Unit: centre, Received: d("2026-03-05"), Due: d("2026-03-12"), Returned: &ret},
	}}, own)
	if res.Results[0].Status != "updated" {
		t.Fatalf("both codes of A: %+v (want the dossier reported by its national code updated)", res.Results)
	}
	if got := march766(t, agg); got.Dossiers != 1 || got.NotOK != 1 {
		t.Fatalf("A by its local code: %+v", got)
	}

	// B: the kiosk rating carries the national code, written in lower
	// case; the outcome has both.
	r := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
		Answers: hailong.Answers{"overall": hailong.Int(1)}, Dossier: "g09.20-20260306-0000102"}, Channel: hailong.ChannelKiosk,
		Unit: centre, Kiosk: "kiosk-1", At: d("2026-03-09").Start().Add(9 * time.Hour).UTC()}
	syncOK(t, agg.URL(), kioskCred, syncapi.Request{Ratings: []hailong.Rating{r}})
	retB := d("2026-03-10")
	postOutcomes(t, agg, map[string]any{"outcomes": []hailong.Outcome{
		{Dossier: localB, NationalDossier: nationB, Unit: centre, Received: d("2026-03-06"), Due: d("2026-03-12"), Returned: &retB},
	}}, own)
	if got := march766(t, agg); got.Dossiers != 2 || got.NotOK != 2 {
		t.Fatalf("B by its national code: %+v", got)
	}

	// A report naming A by its national code alone keeps the local one.
	postOutcomes(t, agg, map[string]any{"unit": centre, "data": []map[string]any{{"MaHoSo": nationA, "TrangThaiHoSo": 10,
		"NgayTiepNhan": "20260305080000", "NgayHenTra": "20260312170000", "NgayTra": "20260311090000"}}}, dvcqgHeader(clientCred))
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	agg = startAggregator(t, dir, addr)
	defer agg.Close()
	if got := march766(t, agg); got.Dossiers != 2 || got.NotOK != 2 {
		t.Fatalf("after a restart: %+v", got)
	}

	// Codes of two dossiers that each have both codes already are refused,
	// not merged.
	res = postOutcomes(t, agg, map[string]any{"outcomes": []hailong.Outcome{
		{Dossier: localA, NationalDossier: nationB, Unit: centre, Received: d("2026-03-05"), Due: d("2026-03-12"), Returned: &ret},
	}}, own)
	if res.Results[0].Status != "rejected" {
		t.Errorf("codes of two dossiers: %+v", res.Results)
	}

	// A dossier returned after today is refused alone, naming the day;
	// the one beside it is taken.
	tomorrow, later := hailong.DateOf(time.Now())+1, hailong.DateOf(time.Now())+3
	res = postOutcomes(t, agg, map[string]any{"outcomes": []hailong.Outcome{
		{Dossier: "H22.39-260307-0103", Unit: centre, Received: d("2026-03-07"), Due: later, Returned: &later},
		{Dossier: "H22.39-260307-0104", Unit: centre, Received: d("2026-03-07"), Due: later, Returned: &tomorrow},
	}}, own)
	if r := res.Results; len(r) != 2 || r[0].Status != "rejected" || !strings.Contains(r[0].Reason, "returned: "+later.String()+" is after today") || r[1].Status != "created" {
		t.Errorf("returned after today, and tomorrow (the software's clock may be ahead): %+v", r)
	}
}

// TestOutcomeReportsRefusedForTheirOwnCredential: a report without a
// credential, with a malformed or unknown one, or with a kiosk's, is
// refused in words that name the one-stop client's credential, not a
// kiosk's.
func TestOutcomeReportsRefusedForTheirOwnCredential(t *testing.T) {
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true})
	defer agg.Close()
	kiosk := enrol(t, agg, "kiosk-1", centre)
	for _, tc := range []struct {
		name, auth, want string
	}{
		{"none", "", `Authorization: Bearer \u003cone-stop client credential\u003e`},
		{"malformed", "Bearer abc", "The one-stop client credential is malformed"},
		{"a kiosk's", "Bearer " + kiosk.String(), "The one-stop client credential is not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}}
			if tc.auth != "" {
				h.Set("Authorization", tc.auth)
			}
			st, body := postJSON(t, agg.URL()+"/api/v1/outcomes", map[string]any{"outcomes": []any{}}, h)
			if st != 401 || !strings.Contains(string(body), tc.want) || strings.Contains(string(body), "kiosk credential") {
				t.Errorf("%d %s; want 401 saying %q", st, body, tc.want)
			}
		})
	}
}

// TestOutcomeReportsOfNoKnownShape: a body with no list of outcomes, or of
// a media type that is neither format, is refused saying what is expected.
func TestOutcomeReportsOfNoKnownShape(t *testing.T) {
	agg := startAggregatorWith(t, aggapp.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DemoData: true})
	defer agg.Close()
	cred := addClient(t, agg, "motcua")
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"an empty object", "application/json", `{}`, 400, `"field":"outcomes"`},
		{"null", "application/json", `null`, 400, `"field":"outcomes"`},
		{"an empty list", "application/json", `{"outcomes":[]}`, 200, `"results":[]`},
		{"XML", "application/xml", `<outcomes/>`, 415, "application/vnd.dvcqg.dongbohosomc+json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := call(t, "POST", agg.URL()+"/api/v1/outcomes", "Bearer "+cred, tc.contentType, []byte(tc.body))
			if st != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("%d %s; want %d with %s", st, body, tc.status, tc.want)
			}
		})
	}
}
