package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/aggregator/lease"
	"hailong/aggregator/lease/leasetest"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/syncapi"
)

// recordingIngester stores nothing and counts the uploads it is given,
// with the deadline of the last one.
type recordingIngester struct {
	web.Ingester
	calls    int
	deadline time.Time
}

func (r *recordingIngester) Ingest(ctx context.Context, _ hailong.Enrolment, _ time.Duration, rs []hailong.Rating) ([]syncapi.Result, error) {
	r.calls++
	r.deadline, _ = ctx.Deadline()
	return make([]syncapi.Result, len(rs)), nil
}

func (r *recordingIngester) IngestQR(ctx context.Context, _ hailong.Rating) (syncapi.Result, error) {
	r.calls++
	return syncapi.Result{}, nil
}

// recordingBook stores no outcome report and counts the calls.
type recordingBook struct {
	web.OutcomeBook
	calls    int
	deadline time.Time
}

func (r *recordingBook) Report(ctx context.Context, reports []hailong.Outcome, _ func(string) bool) ([]outcomes.Result, error) {
	r.calls++
	r.deadline, _ = ctx.Deadline()
	return make([]outcomes.Result, len(reports)), nil
}

// TestLeasedIngesterStopsWhenTheLeaseRunsOut: uploads and dossier outcome
// reports are written within the lease (their context ends with it); once
// the TTL has passed without a renewal, as after a pause, both are refused
// before any write, whether or not the renewal loop has noticed yet.
func TestLeasedIngesterStopsWhenTheLeaseRunsOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ttl := 15 * time.Second
		held, err := lease.Acquire(t.Context(), lease.Config{Store: leasetest.New(), Scope: "all", Holder: "me", TTL: ttl,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		inner := &recordingIngester{}
		in := leasedIngester{Ingester: inner, held: held}
		if _, err := in.Ingest(t.Context(), hailong.Enrolment{}, 0, nil); err != nil {
			t.Fatalf("upload while holding the lease: %v", err)
		}
		books := &recordingBook{}
		book := leasedBook{OutcomeBook: books, held: held}
		if _, err := book.Report(t.Context(), nil, nil); err != nil {
			t.Fatalf("outcome report while holding the lease: %v", err)
		}
		if books.deadline.IsZero() || books.deadline.After(time.Now().Add(ttl)) {
			t.Errorf("the outcome report may write until %v, past the lease", books.deadline)
		}
		if inner.deadline.IsZero() || inner.deadline.After(time.Now().Add(ttl)) {
			t.Errorf("the upload may write until %v, past the lease", inner.deadline)
		}
		time.Sleep(ttl) // paused: no renewal
		_, err = in.Ingest(t.Context(), hailong.Enrolment{}, 0, nil)
		if hailong.ErrorCode(err) != hailong.EUNAVAILABLE {
			t.Errorf("upload after the lease ran out: %v, want unavailable", err)
		}
		if _, err := in.IngestQR(t.Context(), hailong.Rating{}); err == nil {
			t.Error("a phone's rating was taken after the lease ran out")
		}
		if _, err := book.Report(t.Context(), nil, nil); hailong.ErrorCode(err) != hailong.EUNAVAILABLE {
			t.Errorf("outcome report after the lease ran out: %v, want unavailable", err)
		}
		if inner.calls != 1 || books.calls != 1 {
			t.Errorf("the ingester was called %d times and the book %d, want once each (before the lease ran out)", inner.calls, books.calls)
		}
	})
}

func demoUnits(t *testing.T) *hierarchy.Tree {
	t.Helper()
	f, err := assets.FS("").Open(assets.DemoUnits)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := hierarchy.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestProvinceIngester: a kiosk's upload is taken only when its unit is in
// a province the process owns, through the structure in force today.
func TestProvinceIngester(t *testing.T) {
	tree := demoUnits(t)
	cases := []struct {
		name      string
		provinces []string
		unit      string
		refused   string // in the message; empty when taken
	}{
		{"a centre of an owned province", []string{"24"}, "TT-09190", ""},
		{"among several owned provinces", []string{"48", "24"}, "TT-09190", ""},
		{"a centre merged into an owned province's", []string{"24"}, "MC-256", ""},
		{"a centre of another province", []string{"48", "79"}, "TT-09190", "is in province 24, which this aggregator does not own (it owns 48, 79)"},
		{"a unit in no province", []string{"24"}, "XX-1", "in no province"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inner := &recordingIngester{}
			in := provinceIngester{Ingester: inner, provinces: c.provinces, units: func() *hierarchy.Tree { return tree }}
			_, err := in.Ingest(t.Context(), hailong.Enrolment{ID: "k", Unit: c.unit}, 0, nil)
			_, qrErr := in.IngestQR(t.Context(), hailong.Rating{Unit: c.unit})
			if c.refused == "" {
				if err != nil || qrErr != nil || inner.calls != 2 {
					t.Fatalf("refused: %v, %v", err, qrErr)
				}
				return
			}
			for _, err := range []error{err, qrErr} {
				if hailong.ErrorCode(err) != hailong.EFORBIDDEN || !strings.Contains(hailong.ErrorMessage(err), c.refused) {
					t.Errorf("got %v, want forbidden saying %q", err, c.refused)
				}
			}
			if inner.calls != 0 {
				t.Error("the ratings reached the ingester")
			}
		})
	}
}

func TestLeaseScope(t *testing.T) {
	for _, c := range []struct {
		provinces []string
		want      string
	}{
		{nil, "all"},
		{[]string{"79", "48", "79"}, "provinces:48,79"},
	} {
		if got := LeaseScope(c.provinces); got != c.want {
			t.Errorf("LeaseScope(%v) = %q, want %q", c.provinces, got, c.want)
		}
	}
}

// TestStandbyApp: a standby is up (healthz) but not ready, and answers
// uploads 503 with Retry-After.
func TestStandbyApp(t *testing.T) {
	app := standbyApp(&Main{Logger: slog.New(slog.DiscardHandler)}, 15*time.Second)
	cases := []struct {
		method, path string
		status       int
		body         string
		retry        string
	}{
		{"GET", "/healthz", 200, "standby", ""},
		{"GET", "/readyz", 503, "standby", "5"},
		{"POST", syncapi.Path, 503, "standby", "5"},
		{"GET", "/api/v1/measures", 503, "standby", "5"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			resp, err := app.Test(httptest.NewRequest(c.method, c.path, nil))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.body) || resp.Header.Get("Retry-After") != c.retry {
				t.Errorf("%d %q Retry-After %q; want %d, %q, %q", resp.StatusCode, b, resp.Header.Get("Retry-After"), c.status, c.body, c.retry)
			}
		})
	}
}
