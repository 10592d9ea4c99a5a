package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong/aggregator/fleet"
	"hailong/syncapi"
)

// memStore is a Store in memory that counts saves and can fail them.
type memStore struct {
	mu    sync.Mutex
	saved []fleet.Report
	saves int
	fail  error
}

func (m *memStore) KioskReports(context.Context) ([]fleet.Report, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saved, nil
}

func (m *memStore) SaveKioskReports(_ context.Context, rs []fleet.Report) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.saved, m.saves = rs, m.saves+1
	return nil
}

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saves
}

func load(t *testing.T, s fleet.Store) *fleet.Board {
	t.Helper()
	b, err := fleet.Load(t.Context(), s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRecordMeasuresTheClockOffset(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	ahead := at.Add(90 * time.Second)
	behind := at.Add(-time.Hour)
	tests := []struct {
		name      string
		health    *syncapi.Health
		clock     *time.Time
		want      time.Duration
		wantKnown bool
	}{
		{"report with a clock", &syncapi.Health{Clock: ahead}, nil, 90 * time.Second, true},
		{"the report's clock wins over the upload's", &syncapi.Health{Clock: ahead}, &behind, 90 * time.Second, true},
		{"upload clock only", nil, &behind, -time.Hour, true},
		{"report without a clock", &syncapi.Health{}, &behind, -time.Hour, true},
		{"nothing", nil, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := load(t, &memStore{})
			r := b.Record("k", tt.health, tt.clock, at)
			if r.ClockOffset != tt.want || r.OffsetKnown != tt.wantKnown || !r.Seen.Equal(at) {
				t.Errorf("offset %v known %v seen %v, want %v %v %v", r.ClockOffset, r.OffsetKnown, r.Seen, tt.want, tt.wantKnown, at)
			}
		})
	}
}

// TestUploadWithoutReportKeepsTheLastOne: an upload with no report (an
// older kiosk, or a clock only) updates when the kiosk was seen and keeps
// its last report and offset.
func TestUploadWithoutReportKeepsTheLastOne(t *testing.T) {
	b := load(t, &memStore{})
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	h := &syncapi.Health{Version: "1", Clock: t0.Add(time.Minute), Queued: 4}
	b.Record("k", h, nil, t0)
	r := b.Record("k", nil, nil, t0.Add(time.Hour))
	if r.Health != h || !r.Reported.Equal(t0) || !r.Seen.Equal(t0.Add(time.Hour)) || r.ClockOffset != time.Minute || !r.OffsetKnown {
		t.Errorf("report after a bare upload: %+v", r)
	}
}

func TestFlushWritesOnlyChanges(t *testing.T) {
	s := &memStore{}
	b := load(t, s)
	ctx := t.Context()
	flush := func(wantSaves int) {
		t.Helper()
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if s.count() != wantSaves {
			t.Fatalf("%d saves, want %d", s.count(), wantSaves)
		}
	}
	flush(0) // nothing recorded
	b.Record("a", &syncapi.Health{Version: "1"}, nil, time.Now())
	b.Record("b", nil, nil, time.Now())
	flush(1)
	flush(1) // unchanged
	s.fail = errors.New("disk full")
	b.Record("a", &syncapi.Health{Version: "2"}, nil, time.Now())
	if err := b.Flush(ctx); err == nil {
		t.Fatal("a failed save must be reported")
	}
	s.fail = nil
	flush(2) // the failed save is tried again
	again := load(t, s)
	got := again.Reports()
	if len(got) != 2 || got[0].Kiosk != "a" || got[0].Health.Version != "2" || got[1].Kiosk != "b" || got[1].Health != nil {
		t.Errorf("loaded %+v", got)
	}
}

// TestRunWritesBehind: reports are written at most once an interval, and
// not at all while nothing changes.
func TestRunWritesBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &memStore{}
		b := load(t, s)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { b.Run(ctx, 30*time.Second); close(done) }()
		for i := range 100 { // 70 busy seconds: 100 reports
			b.Record(fmt.Sprint("k", i%7), &syncapi.Health{}, nil, time.Now())
			time.Sleep(700 * time.Millisecond)
		}
		synctest.Wait()
		if n := s.count(); n != 2 {
			t.Errorf("%d saves in 70 s of reports, want 2 (at 30 s and 60 s)", n)
		}
		time.Sleep(5 * time.Minute) // quiet
		synctest.Wait()
		if n := s.count(); n != 3 {
			t.Errorf("%d saves after a quiet while, want 3 (the last changes only)", n)
		}
		cancel()
		<-done
	})
}
