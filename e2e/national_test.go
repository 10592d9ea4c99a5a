package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/aggregator/enrolment"
	"hailong/aggregator/national"
	"hailong/aggregator/rollup"
	"hailong/aggregator/synth"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/procedure"
	"hailong/syncapi"
)

// nationalUnits are the demo units (province 24, through the 2025 merger)
// and two more provinces, 48 and 79, each with communes and their centres.
const nationalUnits = `
48,Thành phố Đà Nẵng,province,,2025-07-01,,
20194,Phường Hải Châu,commune,48,2025-07-01,,
TT-20194,Trung tâm Phục vụ hành chính công phường Hải Châu,centre,20194,2025-07-01,,
20305,Phường Sơn Trà,commune,48,2025-07-01,,
TT-20305,Trung tâm Phục vụ hành chính công phường Sơn Trà,centre,20305,2025-07-01,,
TT-48,Trung tâm Phục vụ hành chính công thành phố,centre,48,2025-07-01,,
79,Thành phố Hồ Chí Minh,province,,2025-07-01,,
26734,Phường Sài Gòn,commune,79,2025-07-01,,
TT-26734,Trung tâm Phục vụ hành chính công phường Sài Gòn,centre,26734,2025-07-01,,
26740,Phường Tân Định,commune,79,2025-07-01,,
TT-26740,Trung tâm Phục vụ hành chính công phường Tân Định,centre,26740,2025-07-01,,
`

var nationalProvinces = []string{"24", "48", "79"}

// nationalTree reads the demo units and the two provinces.
func nationalTree(t *testing.T) *hierarchy.Tree {
	t.Helper()
	demo, err := os.ReadFile(filepath.Join(moduleRoot(t), "assets", assets.DemoUnits))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := hierarchy.ReadCSV(strings.NewReader(strings.TrimRight(string(demo), "\n") + nationalUnits))
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// startNationalPart starts an aggregator on a database of its own holding
// the national units (written first, as 'aggregator units import' does).
func startNationalPart(ctx context.Context, tree *hierarchy.Tree, cfg aggapp.Config) (*aggapp.Main, error) {
	cfg.Listen, cfg.DemoData = "127.0.0.1:0", true // the demo procedures; the units are ours
	db, err := aggapp.OpenDB(ctx, cfg, quiet)
	if err != nil {
		return nil, err
	}
	err = db.ReplaceUnits(ctx, tree)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	m := &aggapp.Main{Config: cfg, Logger: quiet}
	return m, m.Run(ctx)
}

// nationalRatings generates ratings and outcomes at every centre of the
// three provinces, from May 2025 (before the merger) to yesterday; one
// rating in 25 carries a kiosk node's misuse flag.
func nationalRatings(t *testing.T, tree *hierarchy.Tree, n int) ([]hailong.Rating, []hailong.Outcome) {
	t.Helper()
	f, err := assets.FS("").Open(assets.DemoProcedures)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	procs, err := procedure.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	var sink collected
	yesterday := hailong.DateOf(time.Now()) - 1
	err = synth.Generate(t.Context(), synth.Config{Ratings: n, Seed: 13, Units: tree.Records(), Procedures: procs.All(),
		From: hailong.DateFromYMD(2025, time.May, 1), To: yesterday, Officials: 4, Counters: 3}, &sink)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sink.ratings {
		r := &sink.ratings[i]
		if r.Channel == hailong.ChannelKiosk {
			r.Kiosk = kioskOf(r.Unit)
		}
		if i%25 == 7 {
			r.Flags = []string{"interval"}
		}
	}
	return sink.ratings, sink.outcomes
}

type collected struct {
	ratings  []hailong.Rating
	outcomes []hailong.Outcome
}

func (c *collected) Ratings(_ context.Context, rs []hailong.Rating) error {
	c.ratings = append(c.ratings, rs...)
	return nil
}

func (c *collected) Outcomes(_ context.Context, os []hailong.Outcome) error {
	c.outcomes = append(c.outcomes, os...)
	return nil
}

// kioskBook enrols each centre's kiosk once per aggregator and keeps its
// credential.
type kioskBook struct {
	mu    sync.Mutex
	creds map[*aggapp.Main]map[string]syncapi.Credential // by aggregator and unit
}

// kioskOf names the kiosk of a centre.
func kioskOf(unit string) string { return "synth-" + strings.ToLower(unit) }

func (b *kioskBook) credential(ctx context.Context, agg *aggapp.Main, unit string) (syncapi.Credential, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.creds[agg][unit]; ok {
		return c, nil
	}
	k, cred, err := enrolment.Enrol(kioskOf(unit), unit, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return cred, err
	}
	if err := agg.DB().AddKiosk(ctx, k); err != nil {
		return cred, err
	}
	if b.creds == nil {
		b.creds = map[*aggapp.Main]map[string]syncapi.Credential{}
	}
	if b.creds[agg] == nil {
		b.creds[agg] = map[string]syncapi.Credential{}
	}
	b.creds[agg][unit] = cred
	return cred, nil
}

// upload enrols each centre's kiosk on agg and sends its kiosk ratings
// through the sync API, MaxBatch at a time, and its QR ratings through the
// phone page's write path; every rating must be accepted (or be a
// duplicate, when sent again). Then it reports the outcomes.
func (b *kioskBook) upload(ctx context.Context, agg *aggapp.Main, rs []hailong.Rating, outs []hailong.Outcome) error {
	byUnit := map[string][]hailong.Rating{}
	for _, r := range rs {
		if r.Channel == hailong.ChannelQR {
			// The phone page's write path, after its link's check.
			res, err := agg.Ingester().IngestQR(ctx, r)
			if err != nil {
				return err
			}
			if res.Status != syncapi.Accepted && res.Status != syncapi.Duplicate {
				return fmt.Errorf("QR rating %s: %s %s", res.ID, res.Status, res.Reason)
			}
			continue
		}
		byUnit[r.Unit] = append(byUnit[r.Unit], r)
	}
	// Every kiosk enrolled before the first upload: the registry reads
	// the kiosks again on a miss only so often.
	creds := map[string]syncapi.Credential{}
	for unit := range byUnit {
		cred, err := b.credential(ctx, agg, unit)
		if err != nil {
			return err
		}
		creds[unit] = cred
	}
	for unit, rs := range byUnit {
		cred := creds[unit]
		for b := range slices.Chunk(rs, syncapi.MaxBatch) {
			res, err := kioskClient(agg.URL(), cred).Sync(ctx, syncapi.Request{Ratings: b})
			if err != nil {
				return fmt.Errorf("upload of %s to %s: %w", unit, agg.URL(), err)
			}
			for _, r := range res.Results {
				if r.Status != syncapi.Accepted && r.Status != syncapi.Duplicate {
					return fmt.Errorf("rating %s: %s %s", r.ID, r.Status, r.Reason)
				}
			}
		}
	}
	if len(outs) == 0 {
		return nil
	}
	_, err := agg.Outcomes().Report(ctx, outs, func(string) bool { return true })
	return err
}

// nationalSetup is three provincial aggregators, a reference aggregator
// given every rating, and the national aggregator pulling from the
// provincial ones.
type nationalSetup struct {
	tree     *hierarchy.Tree
	ratings  []hailong.Rating
	outcomes []hailong.Outcome
	province map[string]*aggapp.Main // by province code
	ref, nat *aggapp.Main
	// tokens are province-wide analysts' on the reference and the
	// national aggregator, by province.
	refTokens, natTokens map[string]string
	nationalTokens       map[string]string // the national's credential on each province's aggregator
	kiosks               kioskBook
}

// inParallel runs each of fns in its own goroutine and fails the test with
// their errors.
func inParallel(t *testing.T, fns ...func() error) {
	t.Helper()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func startNational(t *testing.T, n int) *nationalSetup {
	t.Helper()
	ctx := t.Context()
	s := &nationalSetup{tree: nationalTree(t), province: map[string]*aggapp.Main{}}
	s.ratings, s.outcomes = nationalRatings(t, s.tree, n)
	parts := make([]*aggapp.Main, len(nationalProvinces)+1)
	var starts []func() error
	for i := range parts {
		cfg := aggapp.Config{DataDir: t.TempDir()}
		if i < len(nationalProvinces) {
			cfg.Provinces = []string{nationalProvinces[i]}
		}
		starts = append(starts, func() (err error) { parts[i], err = startNationalPart(ctx, s.tree, cfg); return err })
	}
	inParallel(t, starts...)
	for i, m := range parts {
		t.Cleanup(func() { m.Close() })
		if i < len(nationalProvinces) {
			s.province[nationalProvinces[i]] = m
		}
	}
	s.ref = parts[len(parts)-1]

	// Each rating to its province's aggregator, and all to the reference.
	byProvince := map[string][]hailong.Rating{}
	outsBy := map[string][]hailong.Outcome{}
	today := hailong.DateOf(time.Now())
	for _, r := range s.ratings {
		p := s.tree.ProvinceOf(r.Unit, today)
		byProvince[p] = append(byProvince[p], r)
	}
	for _, o := range s.outcomes {
		p := s.tree.ProvinceOf(o.Unit, today)
		outsBy[p] = append(outsBy[p], o)
	}
	uploads := []func() error{func() error { return s.kiosks.upload(ctx, s.ref, s.ratings, s.outcomes) }}
	for _, p := range nationalProvinces {
		if len(byProvince[p]) == 0 {
			t.Fatalf("no rating generated in province %s", p)
		}
		uploads = append(uploads, func() error { return s.kiosks.upload(ctx, s.province[p], byProvince[p], outsBy[p]) })
	}
	inParallel(t, uploads...)

	var sources []national.Source
	s.nationalTokens = map[string]string{}
	for _, p := range nationalProvinces {
		tok := makeToken(t, s.province[p].Access(), "national", hailong.RoleAnalyst, p)
		s.nationalTokens[p] = tok
		sources = append(sources, national.Source{Provinces: []string{p}, URL: s.province[p].URL(), Token: strings.TrimPrefix(tok, "Bearer ")})
	}
	var err error
	// Pulled at start, then only when the test says (Pull).
	s.nat, err = startNationalPart(ctx, s.tree, aggapp.Config{DataDir: t.TempDir(), NationalSources: sources, NationalPullEvery: time.Hour,
		DebugListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.nat.Close() })
	s.refTokens, s.natTokens = map[string]string{}, map[string]string{}
	for _, p := range nationalProvinces {
		s.refTokens[p] = makeToken(t, s.ref.Access(), "analyst-"+p, hailong.RoleAnalyst, p)
		s.natTokens[p] = makeToken(t, s.nat.Access(), "analyst-"+p, hailong.RoleAnalyst, p)
	}
	return s
}

// getWith GETs url with the given Authorization, returning the status and body.
func getWith(t *testing.T, u, authorization string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// nationalQueries are the questions asked of a unit over a period: the
// measures with both breakdowns, with flagged ratings, the satisfaction
// rate with each filter, and every breakdown by dimension.
func nationalQueries(unit, from, to string) []string {
	base := q("unit", unit, "from", from, "to", to)
	qs := []string{
		"/api/v1/measures?" + base + "&breakdown=units,months",
		"/api/v1/measures?" + base + "&include_flagged=true",
		"/api/v1/measures?" + base + "&field=" + url.QueryEscape("Hộ tịch"),
		"/api/v1/satisfaction?" + base,
		"/api/v1/satisfaction?" + base + "&channel=qr",
		"/api/v1/satisfaction?" + base + "&questionnaire=sipas",
		"/api/v1/satisfaction?" + base + "&counter=Q1",
	}
	for _, d := range []string{"procedure", "field", "official", "counter", "channel", "questionnaire"} {
		qs = append(qs, "/api/v1/breakdowns?"+base+"&by="+d)
	}
	return qs
}

// nationalPeriods are a few periods: the whole span, a month before the
// merger, one cut across it, a quarter, and this month so far.
func nationalPeriods() [][2]string {
	now := time.Now().In(hailong.Location)
	return [][2]string{
		{"2025-05-01", today()},
		{"2025-06-01", "2025-06-30"},
		{"2025-06-15", "2025-08-10"},
		{"2026-01-01", "2026-03-31"},
		{now.Format("2006-01") + "-01", today()},
	}
}

// sameAsReference asks the reference and the national aggregator every
// question of every unit in force today (each through its province's
// analyst) and reports the ones whose answers differ; it returns how many
// it asked.
func (s *nationalSetup) sameAsReference(t *testing.T, provinces ...string) int {
	t.Helper()
	today := hailong.DateOf(time.Now())
	asked := 0
	for _, p := range provinces {
		units, err := s.tree.Subtree(p, today)
		if err != nil {
			t.Fatal(err)
		}
		for _, unit := range units {
			if _, ok := s.tree.At(unit, today); !ok {
				continue // merged away: counted in its successor
			}
			periods := nationalPeriods()
			if unit != p {
				periods = periods[:2:2]
				periods[1] = [2]string{"2025-06-15", "2025-08-10"}
			}
			for _, per := range periods {
				for _, path := range nationalQueries(unit, per[0], per[1]) {
					asked++
					st1, want := getWith(t, s.ref.URL()+path, s.refTokens[p])
					st2, have := getWith(t, s.nat.URL()+path, s.natTokens[p])
					if st1 != 200 || st2 != 200 || !bytes.Equal(want, have) {
						t.Errorf("%s: national %d differs from the reference %d:\nnational:  %.600s\nreference: %.600s", path, st2, st1, have, want)
					}
				}
			}
		}
	}
	return asked
}

// sameNation compares the rollups of the whole nation, in the process: the
// ratings, the flagged ratings and the outcomes of every unit.
func (s *nationalSetup) sameNation(t *testing.T) {
	t.Helper()
	var units []string
	for _, u := range s.tree.Records() {
		units = append(units, u.Code)
	}
	slices.Sort(units)
	units = slices.Compact(units)
	from, to := hailong.DateFromYMD(2025, time.January, 1), hailong.DateOf(time.Now())
	view := s.nat.National()
	for _, c := range []struct {
		name      string
		want, got *rollup.Rollup
	}{
		{"ratings", s.ref.Ingester().Rollup(), view.Rollup()},
		{"flagged ratings", s.ref.Ingester().Flagged(), view.Flagged()},
		{"outcomes", s.ref.Outcomes().Rollup(), view.Outcomes()},
	} {
		want, got := c.want.Query(units, from, to, rollup.Filter{}), c.got.Query(units, from, to, rollup.Filter{})
		if !reflect.DeepEqual(want, got) {
			t.Errorf("the nation's %s: national %+v %+v, reference %+v %+v", c.name, got.Total, got.Outcomes, want.Total, want.Outcomes)
		}
	}
	if w, g := s.ref.Ingester().Rollup().Ratings(), view.Rollup().Ratings(); w != g {
		t.Errorf("the national view counts %d ratings, the reference %d", g, w)
	}
}

// TestNationalViewEqualsOneAggregator: three provincial aggregators (one
// province each, a database each) take their provinces' ratings through
// the sync API; a reference aggregator takes all of them; the national
// aggregator pulls the provinces' rollup cells. Every measure of every
// unit, and of the nation, is the reference's, also after pulling again
// (nothing added twice) and after late ratings (the changed months
// replaced); with a province's aggregator down, the national view answers
// with the last pull and says how old it is.
func TestNationalViewEqualsOneAggregator(t *testing.T) {
	s := startNational(t, 3000)
	ctx := t.Context()
	view := s.nat.National()

	t.Run("every measure equals the reference's", func(t *testing.T) {
		n := s.sameAsReference(t, nationalProvinces...)
		s.sameNation(t)
		t.Logf("%d ratings, %d outcomes; %d questions asked of both", len(s.ratings), len(s.outcomes), n)
	})

	t.Run("pulling again adds nothing twice", func(t *testing.T) {
		for range 2 {
			if err := view.Pull(ctx); err != nil {
				t.Fatal(err)
			}
			s.sameNation(t)
		}
		s.sameAsReference(t, "48")
	})

	t.Run("late and new ratings replace their months", func(t *testing.T) {
		tree := s.tree
		var late []hailong.Rating
		for i, r := range s.ratings {
			if tree.ProvinceOf(r.Unit, hailong.DateOf(time.Now())) != "48" || i%40 != 0 {
				continue
			}
			r.ID = hailong.NewID()
			r.Dossier = ""
			if i%80 == 0 {
				r.At = time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond) // this month
			}
			late = append(late, r)
		}
		// And an outcome reported again with a complaint: its month's
		// outcome cells change, by a take-back and an add in the province.
		var again []hailong.Outcome
		for _, o := range s.outcomes {
			if tree.ProvinceOf(o.Unit, hailong.DateOf(time.Now())) == "48" && o.Returned != nil {
				o.Complaints++
				again = append(again, o)
				break
			}
		}
		if len(again) == 0 {
			t.Fatal("no returned outcome in province 48")
		}
		inParallel(t, func() error { return s.kiosks.upload(ctx, s.province["48"], late, again) },
			func() error { return s.kiosks.upload(ctx, s.ref, late, again) })
		before := view.Rollup().Ratings()
		if err := view.Pull(ctx); err != nil {
			t.Fatal(err)
		}
		if got := view.Rollup().Ratings() - before; got != int64(len(late))-countFlagged(late) {
			t.Errorf("the pull after %d late ratings changed the count by %d", len(late), got)
		}
		s.sameNation(t)
		s.sameAsReference(t, "48")
	})

	t.Run("the cells of another province are refused", func(t *testing.T) {
		v, err := national.New(national.Config{Units: func() *hierarchy.Tree { return s.tree },
			Sources: []national.Source{{Provinces: []string{"48"}, URL: s.province["79"].URL(), Token: strings.TrimPrefix(s.nationalTokens["79"], "Bearer ")}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Pull(ctx); err == nil || !strings.Contains(err.Error(), "not among the source's provinces") {
			t.Errorf("a source sending another province's cells: %v", err)
		}
		if n := v.Rollup().Ratings(); n != 0 {
			t.Errorf("%d ratings of a refused pull counted", n)
		}
	})

	t.Run("a token of one province gets that province's cells only", func(t *testing.T) {
		// The reference holds every province: pulled with a token of
		// province 48, it must send 48's cells and no other's.
		v, err := national.New(national.Config{Units: func() *hierarchy.Tree { return s.tree },
			Sources: []national.Source{{Provinces: []string{"48"}, URL: s.ref.URL(), Token: strings.TrimPrefix(s.refTokens["48"], "Bearer ")}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Pull(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := v.Rollup().Ratings(), s.province["48"].Ingester().Rollup().Ratings(); got != want || got == 0 {
			t.Errorf("pulled %d ratings from the reference with a token of province 48, which holds %d", got, want)
		}
	})

	t.Run("a source down: the last pull, and its age", func(t *testing.T) {
		down := s.province["79"]
		downURL := down.URL()
		if err := down.Close(); err != nil {
			t.Fatal(err)
		}
		err := view.Pull(ctx)
		if err == nil || !strings.Contains(err.Error(), downURL) {
			t.Fatalf("pull with province 79 down: %v, want an error naming it", err)
		}
		s.sameAsReference(t, "79")
		s.sameNation(t)
		var status []national.SourceStatus
		st, body := getWith(t, s.nat.URL()+"/api/v1/national/sources", s.natTokens["24"])
		if err := json.Unmarshal(body, &status); st != 200 || err != nil {
			t.Fatalf("GET /api/v1/national/sources: %d %v", st, err)
		}
		for _, st := range status {
			stale := st.URL == downURL
			if stale != (st.Error != "") || st.Pulled.IsZero() || st.Age < 0 || (stale && !st.Tried.After(st.Pulled)) {
				t.Errorf("source %s (down: %v): %+v", st.URL, stale, st)
			}
		}
		t.Logf("staleness: %+v", status)
		resp, err := http.Get(s.nat.DebugURL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{`hailong_national_source_failing{provinces="79"} 1`, `hailong_national_source_failing{provinces="48"} 0`,
			fmt.Sprintf("hailong_national_rollup_ratings %d", s.ref.Ingester().Rollup().Ratings())} {
			if !strings.Contains(string(metrics), want) {
				t.Errorf("the national aggregator's metrics lack %q", want)
			}
		}
		for _, c := range []struct{ lang, want string }{
			{"vi", "Số liệu của tỉnh, thành phố 79 là của lần lấy lúc "},
			{"en", "The figures of province 79 are as pulled at "},
		} {
			st, page := getWith(t, s.nat.URL()+"/units/79?lang="+c.lang, s.natTokens["79"])
			if st != 200 || !strings.Contains(string(page), c.want) || strings.Contains(string(page), "province 48") {
				t.Errorf("the %s page of province 79 (%d) does not say its figures are stale:\n%.2000s", c.lang, st, page)
			}
		}
	})

	t.Run("the national view takes no upload", func(t *testing.T) {
		cred, err := s.kiosks.credential(ctx, s.nat, "TT-48")
		if err != nil {
			t.Fatal(err)
		}
		_, err = kioskClient(s.nat.URL(), cred).Sync(ctx, syncapi.Request{Ratings: s.ratings[:1]})
		if statusOf(t, err) != http.StatusForbidden {
			t.Errorf("upload to the national view: %v, want 403", err)
		}
	})
}

func countFlagged(rs []hailong.Rating) (n int64) {
	for _, r := range rs {
		if r.Flagged() {
			n++
		}
	}
	return n
}
