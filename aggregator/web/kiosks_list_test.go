package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/fleet"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/syncapi"
)

type fakeFleet []fleet.Report

func (f fakeFleet) Record(string, *syncapi.Health, *time.Time, time.Time) fleet.Report {
	panic("not in this test")
}
func (f fakeFleet) Reports() []fleet.Report { return f }

type fakeEnrolled []hailong.Enrolment

func (f fakeEnrolled) List(context.Context) ([]hailong.Enrolment, error) { return f, nil }

// TestKiosksListPutsTroubleFirst judges kiosks by their reports at a fixed
// time: never seen, then silent (longest first), stuck (oldest queue first),
// other problems, fine ones, revoked ones; ties by unit and id.
func TestKiosksListPutsTroubleFirst(t *testing.T) {
	now := time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	at := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	enrolled := fakeEnrolled{}
	var reports fakeFleet
	add := func(id, unit string, revoked bool, r *fleet.Report) {
		enrolled = append(enrolled, hailong.Enrolment{ID: id, Unit: unit, Revoked: revoked})
		if r != nil {
			r.Kiosk = id
			reports = append(reports, *r)
		}
	}
	fine := func(seen time.Duration) *fleet.Report {
		return &fleet.Report{Seen: ago(seen), Reported: ago(seen), OffsetKnown: true, ClockOffset: 3 * time.Second,
			Health: &syncapi.Health{Unit: "TT-09190", Clock: ago(seen), FreeDisk: 1 << 30}}
	}
	add("a-fine", "TT-09190", false, fine(time.Minute))
	add("b-never", "TT-09250", false, nil)
	add("c-silent-1h", "TT-09190", false, fine(time.Hour))
	add("d-silent-2d", "TT-09250", false, fine(48*time.Hour))
	stuck := func(queued time.Duration) *fleet.Report {
		r := fine(time.Minute)
		r.Health.Queued, r.Health.OldestQueued = 5, at(queued)
		return r
	}
	add("e-stuck-3h", "TT-09190", false, stuck(3*time.Hour))
	add("f-stuck-5h", "TT-09250", false, stuck(5*time.Hour))
	add("g-queue-young", "TT-09190", false, stuck(10*time.Minute))
	skewed := fine(time.Minute)
	skewed.ClockOffset = -(2*time.Minute + time.Second)
	add("h-skew", "TT-09190", false, skewed)
	behind := fine(time.Minute) // its clock an hour behind: queue ages on its own clock
	behind.ClockOffset, behind.Health.Clock = -time.Hour, ago(time.Hour+time.Minute)
	behind.Health.Queued, behind.Health.OldestQueued = 1, at(time.Hour+31*time.Minute)
	add("l-behind", "TT-09190", false, behind)
	add("i-revoked", "TT-09190", true, fine(72*time.Hour))
	add("j-never-kb", "TT-09190", false, nil)
	noReport := &fleet.Report{Seen: ago(time.Minute)} // an older kiosk: seen, no report
	add("k-old-kiosk", "TT-09190", false, noReport)

	base := fleetServer(t, now, enrolled, reports)
	var listAs func(t *testing.T, auth, query string) (int, []map[string]any)
	list := func(t *testing.T, query string) (int, []map[string]any) {
		t.Helper()
		return listAs(t, analystProvince, query)
	}
	listAs = func(t *testing.T, auth, query string) (int, []map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v1/kiosks"+query, nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Kiosks []map[string]any }
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.Kiosks
	}
	tests := []struct {
		query string
		want  string
	}{
		{"", "j-never-kb:never_seen b-never:never_seen d-silent-2d:silent c-silent-1h:silent f-stuck-5h:stuck e-stuck-3h:stuck " +
			"l-behind:attention h-skew:attention g-queue-young:ok a-fine:ok k-old-kiosk:ok i-revoked:revoked"},
		{"?unit=09250", "b-never:never_seen d-silent-2d:silent f-stuck-5h:stuck"},
		{"?status=stuck,silent", "d-silent-2d:silent c-silent-1h:silent f-stuck-5h:stuck e-stuck-3h:stuck"},
	}
	for _, tt := range tests {
		t.Run("list"+tt.query, func(t *testing.T) {
			status, ks := list(t, tt.query)
			var got []string
			for _, k := range ks {
				got = append(got, k["kiosk"].(string)+":"+k["status"].(string))
			}
			if status != 200 || strings.Join(got, " ") != tt.want {
				t.Errorf("status %d\n got %s\nwant %s", status, strings.Join(got, " "), tt.want)
			}
		})
	}
	t.Run("only the scope's kiosks", func(t *testing.T) {
		status, ks := listAs(t, analystCommune09250, "")
		var got []string
		for _, k := range ks {
			got = append(got, k["kiosk"].(string))
		}
		if status != 200 || strings.Join(got, " ") != "b-never d-silent-2d f-stuck-5h" {
			t.Errorf("status %d, kiosks %v", status, got)
		}
	})
	t.Run("fields", func(t *testing.T) {
		_, ks := list(t, "?status=stuck,attention")
		byID := map[string]map[string]any{}
		for _, k := range ks {
			byID[k["kiosk"].(string)] = k
		}
		// Recorded 5 h ago: 5 h - 1 min old at the report a minute ago.
		if got := byID["f-stuck-5h"]["oldest_queued_age_s"]; got != float64(5*3600) {
			t.Errorf("oldest queued age %v", got)
		}
		if got := byID["l-behind"]["oldest_queued_age_s"]; got != float64(31*60) {
			t.Errorf("oldest queued age on a late clock %v, want 31 min", got)
		}
		if k := byID["h-skew"]; k["clock_offset_ms"] != float64(-121000) || k["clock_skew"] != true {
			t.Errorf("skewed kiosk %v", k)
		}
	})
}

func fleetServer(t *testing.T, now time.Time, enrolled fakeEnrolled, reports fakeFleet) string {
	t.Helper()
	tree := demoTree(t)
	_, base := serve(t, &web.Server{Ingester: memIngester{rollup.New()}, Units: func() *hierarchy.Tree { return tree }, Assets: assets.FS(""),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }, Fleet: reports, Enrolled: enrolled, Access: newFakeAccess(tree)})
	return base
}
