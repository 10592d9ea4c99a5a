package mongodb_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/fleet"
	"hailong/syncapi"
)

// TestKioskReportsRoundTrip: the reports read back equal those saved,
// reasons with '.' and '$' included; each save replaces the last and drops
// its collection; reopening the files reads the latest.
func TestKioskReportsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db, closeDB := ferrettest.OpenDir(t, dir)
	ctx := t.Context()
	if got, err := db.KioskReports(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty database: %v %v", got, err)
	}
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	oldest, last := at.Add(-time.Hour), at.Add(-time.Minute)
	full := fleet.Report{Kiosk: "a", Seen: at, Reported: at, ClockOffset: -1500 * time.Millisecond, OffsetKnown: true,
		Health: &syncapi.Health{Version: "1.2", Unit: "TT-1", Clock: at.Add(-1500 * time.Millisecond), Queued: 3, OldestQueued: &oldest,
			Failed: 2, FailedReasons: map[string]int64{"questionnaire x v9 is unknown.": 1, "$set": 1},
			Quarantined: 1, QuarantineReasons: map[string]int64{"bbolt: bad value": 1}, FreeDisk: 1 << 40, LastRating: &last, LastError: "boom"}}
	bare := fleet.Report{Kiosk: "b", Seen: at}
	tests := []struct {
		name    string
		reports []fleet.Report
	}{
		{"two kiosks", []fleet.Report{full, bare}},
		{"replaced", []fleet.Report{bare}},
		{"many", manyReports(at, 1500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.SaveKioskReports(ctx, tt.reports); err != nil {
				t.Fatal(err)
			}
			got, err := db.KioskReports(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sortReports(got)
			if !reflect.DeepEqual(got, tt.reports) {
				t.Errorf("read back:\n%+v\nwant\n%+v", got, tt.reports)
			}
			if n, err := db.HealthGenerations(ctx); n != 1 || err != nil {
				t.Errorf("%d generations of kiosk health kept (%v), want 1", n, err)
			}
		})
	}
	closeDB()
	db, _ = ferrettest.OpenDir(t, dir)
	if got, err := db.KioskReports(ctx); err != nil || len(got) != 1500 {
		t.Fatalf("after reopening: %d reports, %v", len(got), err)
	}
}

func manyReports(at time.Time, n int) []fleet.Report {
	out := make([]fleet.Report, n)
	for i := range out {
		out[i] = fleet.Report{Kiosk: fmt.Sprintf("kiosk-%04d", i), Seen: at,
			Reported: at, Health: &syncapi.Health{Version: "1", Clock: at, Queued: int64(i), FreeDisk: -1}, OffsetKnown: true}
	}
	sortReports(out)
	return out
}

func sortReports(rs []fleet.Report) {
	slices.SortFunc(rs, func(a, b fleet.Report) int { return strings.Compare(a.Kiosk, b.Kiosk) })
}
