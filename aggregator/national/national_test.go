package national_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/national"
	"hailong/aggregator/rollup"
	"hailong/hierarchy"
)

// tree is two provinces with a centre each.
func tree(t *testing.T) *hierarchy.Tree {
	t.Helper()
	from := hailong.DateFromYMD(2025, time.July, 1)
	tr, err := hierarchy.New([]hierarchy.Unit{
		{Code: "48", Name: "Đà Nẵng", Kind: hierarchy.Province, From: from},
		{Code: "TT-48", Name: "Trung tâm", Kind: hierarchy.Centre, Parent: "48", From: from},
		{Code: "79", Name: "Hồ Chí Minh", Kind: hierarchy.Province, From: from},
		{Code: "TT-79", Name: "Trung tâm", Kind: hierarchy.Centre, Parent: "79", From: from},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// province serves a province's months as a provincial aggregator does,
// from a rollup, honouring have; it counts the cells it sends.
type province struct {
	roll    atomic.Pointer[rollup.Rollup] // replaced when the province is rebuilt
	version int
	sent    atomic.Int64 // months sent with their cells
	digests national.Digests
	// requests counts the requests: a pull asks a year at a time.
	requests atomic.Int64
	longest  atomic.Int64 // the longest request URI
	token    string
	// tamper, if set, changes the answer before it is sent.
	tamper func(*national.Months)
}

func (p *province) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != national.Path || r.Header.Get("Authorization") != "Bearer "+p.token {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	q := national.Request{Scope: "48", To: rollup.MonthFrom(9999, 12), Have: national.ParseHave(r.URL.Query().Get("have")),
		Keep: func(string) bool { return true }}
	if v := r.URL.Query().Get("from"); v != "" {
		q.From, _ = national.ParseMonth(v)
	}
	if v := r.URL.Query().Get("to"); v != "" {
		q.To, _ = national.ParseMonth(v)
	}
	p.requests.Add(1)
	for n := int64(len(r.URL.RequestURI())); ; {
		if old := p.longest.Load(); n <= old || p.longest.CompareAndSwap(old, n) {
			break
		}
	}
	out, err := national.Collect(context.Background(), national.Rollups{Ratings: p.roll.Load()}, q, &p.digests)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out.Version = p.version
	if p.tamper != nil {
		p.tamper(out)
	}
	for _, m := range out.Months {
		if !m.Unchanged {
			p.sent.Add(1)
		}
	}
	gz := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
	if gz {
		w.Header().Set("Content-Encoding", "gzip")
	}
	national.Encode(w, out, gz)
}

func fact(unit string, d hailong.Date, sat bool) rollup.Fact {
	return rollup.Fact{Unit: unit, Date: d, Satisfied: sat, Dims: rollup.Dims{Questionnaire: "counter-quick", Channel: hailong.ChannelKiosk}}
}

func TestPull(t *testing.T) {
	oct, nov := hailong.DateFromYMD(2026, time.October, 3), hailong.DateFromYMD(2026, time.November, 5)
	// count sets the first cell's count of the answer's first month.
	count := func(set func(*rollup.Cell)) func(*national.Months) {
		return func(m *national.Months) { set(&m.Months[0].Ratings[0].Cells[0]) }
	}
	tests := []struct {
		name      string
		provinces []string
		unit      string
		version   int
		tamper    func(*national.Months)
		wantErr   string
	}{
		{"its own province", []string{"48"}, "TT-48", national.Version, nil, ""},
		{"another province's cells", []string{"48"}, "TT-79", national.Version, nil, "not among the source's provinces"},
		{"a unit in no province", []string{"48"}, "TT-00", national.Version, nil, "not among the source's provinces"},
		{"another version", []string{"48"}, "TT-48", national.Version + 1, nil, "version"},
		{"a count past the 32 bits of a cell", []string{"48"}, "TT-48", national.Version,
			count(func(c *rollup.Cell) { c.N = 1 << 31 }), "count n is 2147483648"},
		{"a negative count", []string{"48"}, "TT-48", national.Version,
			count(func(c *rollup.Cell) { c.Satisfied = -1 }), "count satisfied is -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &province{version: tc.version, token: "secret", tamper: tc.tamper}
			p.roll.Store(rollup.New())
			p.roll.Load().Add(fact(tc.unit, oct, true), fact(tc.unit, nov, false))
			srv := httptest.NewServer(p)
			defer srv.Close()
			now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
			v, err := national.New(national.Config{Units: func() *hierarchy.Tree { return tree(t) }, Now: func() time.Time { return now },
				Sources: []national.Source{{Provinces: tc.provinces, URL: srv.URL, Token: "secret"}}})
			if err != nil {
				t.Fatal(err)
			}
			err = v.Pull(t.Context())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("pull: %v, want %q", err, tc.wantErr)
				}
				if n := v.Rollup().Ratings(); n != 0 {
					t.Errorf("%d ratings of a refused pull counted", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Again, and again after a late rating in October: each month
			// replaced, never added.
			if err := v.Pull(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := p.sent.Load(); got != 2 {
				t.Errorf("two pulls of two months sent %d months with cells, want 2 (the second all unchanged)", got)
			}
			p.roll.Load().Add(fact(tc.unit, oct, true))
			now = now.Add(time.Minute)
			if err := v.Pull(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := p.sent.Load(); got != 3 {
				t.Errorf("after a late rating, %d months sent in all, want 3 (October again)", got)
			}
			want := p.roll.Load().Query([]string{tc.unit}, oct-5, nov, rollup.Filter{})
			if got := v.Rollup().Query([]string{tc.unit}, oct-5, nov, rollup.Filter{}); got.Total.N != want.Total.N || got.Total.Satisfied != want.Total.Satisfied {
				t.Errorf("national %+v, province %+v", got.Total, want.Total)
			}
			// The province rebuilt with October gone: the view is made
			// anew, without it.
			p.roll.Store(rollup.New())
			p.roll.Load().Add(fact(tc.unit, nov, false))
			if err := v.Pull(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := v.Rollup().Query([]string{tc.unit}, oct-5, nov, rollup.Filter{}); got.Total.N != 1 || len(v.Rollup().Months()) != 1 {
				t.Errorf("after October went from the province, the view counts %+v in %d months", got.Total, len(v.Rollup().Months()))
			}
			p.roll.Load().Add(fact(tc.unit, oct, true), fact(tc.unit, oct, true), fact(tc.unit, oct, true))
			if err := v.Pull(t.Context()); err != nil {
				t.Fatal(err)
			}
			// The province goes down: the last pull stays, and ages.
			srv.Close()
			now = now.Add(90 * time.Second)
			if err := v.Pull(t.Context()); err == nil {
				t.Fatal("a pull from a closed source succeeded")
			}
			if n := v.Rollup().Ratings(); n != 4 {
				t.Errorf("after a failed pull the view counts %d ratings, want the last pull's 4", n)
			}
			st := v.Sources()[0]
			if st.Error == "" || st.Age != 90 || st.Months != 2 || st.Ratings != 4 || st.Token != "" {
				t.Errorf("status of a source down: %+v", st)
			}
		})
	}
}

func TestNewRefusesTwoOwnersOfAProvince(t *testing.T) {
	_, err := national.New(national.Config{Sources: []national.Source{
		{Provinces: []string{"48"}, URL: "http://a", Token: "x"}, {Provinces: []string{"79", "48"}, URL: "http://b", Token: "y"}}})
	if err == nil || !strings.Contains(err.Error(), "two sources") {
		t.Errorf("two sources of province 48: %v", err)
	}
}

func TestReadSources(t *testing.T) {
	tests := []struct {
		name, csv string
		want      int
		wantErr   string
	}{
		{"two sources", "provinces,url,token\n48 49,https://p48.example,hlt_a\n79,http://127.0.0.1:8081,Bearer hlt_b\n", 2, ""},
		{"no header", "48,https://p48.example,hlt_a\n", 0, "first line"},
		{"not a URL", "provinces,url,token\n48,p48.example,hlt_a\n", 0, "not an http(s) URL"},
		{"no token", "provinces,url,token\n48,https://p48.example,\n", 0, "token are required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := national.ReadSources(strings.NewReader(tc.csv))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Fatalf("%d sources, %v", len(got), err)
			}
			if got[0].Provinces[1] != "49" || got[1].Token != "hlt_b" {
				t.Errorf("read %+v", got)
			}
		})
	}
}

func TestMonths(t *testing.T) {
	for _, s := range []string{"2026-01", "1999-12"} {
		m, err := national.ParseMonth(s)
		if err != nil || national.FormatMonth(m) != s {
			t.Errorf("%s: %v %v", s, national.FormatMonth(m), err)
		}
	}
	for _, s := range []string{"2026-13", "2026-1", "26-01", "2026-01-01", ""} {
		if _, err := national.ParseMonth(s); err == nil {
			t.Errorf("%q read as a month", s)
		}
	}
}

// TestPullAYearAtATime: with years of months held, a pull asks a year at a
// time, so its request lines stay short whatever the history, and still
// finds months before and after the years it holds.
func TestPullAYearAtATime(t *testing.T) {
	p := &province{version: national.Version, token: "t"}
	p.roll.Store(rollup.New())
	for y := 2020; y <= 2026; y++ {
		for m := time.January; m <= time.December; m++ {
			p.roll.Load().Add(fact("TT-48", hailong.DateFromYMD(y, m, 10), true))
		}
	}
	srv := httptest.NewServer(p)
	defer srv.Close()
	v, err := national.New(national.Config{Units: func() *hierarchy.Tree { return tree(t) },
		Sources: []national.Source{{Provinces: []string{"48"}, URL: srv.URL, Token: "t"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Pull(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.roll.Load().Add(fact("TT-48", hailong.DateFromYMD(2019, time.May, 1), true), fact("TT-48", hailong.DateFromYMD(2027, time.January, 2), true),
		fact("TT-48", hailong.DateFromYMD(2023, time.March, 2), false))
	p.requests.Store(0)
	if err := v.Pull(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := p.requests.Load(); got != 7+2 {
		t.Errorf("a pull of seven years held made %d requests, want 9 (one a year, one before, one after)", got)
	}
	if got, want := v.Rollup().Ratings(), p.roll.Load().Ratings(); got != want {
		t.Errorf("the view counts %d ratings, the province %d", got, want)
	}
	if n := p.longest.Load(); n > 1024 {
		t.Errorf("a request line of %d bytes", n)
	}
}
