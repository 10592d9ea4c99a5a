package alerts_test

import (
	"reflect"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
)

func TestHours(t *testing.T) {
	parsed, err := alerts.ParseHours(alerts.DefaultHoursText)
	if err != nil || !reflect.DeepEqual(parsed, alerts.DefaultHours()) {
		t.Fatalf("ParseHours(%q) = %v, %v; want DefaultHours", alerts.DefaultHoursText, parsed, err)
	}
	for _, bad := range []string{"", "fri-mon 07:30-11:30", "mon 11:30-07:30", "mon 7h-9h"} {
		if _, err := alerts.ParseHours(bad); err == nil {
			t.Errorf("ParseHours(%q) took it", bad)
		}
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, hailong.Location) } // 30/11/2026 is a Monday
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"a morning", at(30, 7, 0), at(30, 12, 0), 4 * time.Hour},
		{"over lunch", at(30, 11, 0), at(30, 14, 0), time.Hour},
		{"a weekend", at(28, 0, 0), at(30, 0, 0), 0},
		{"Friday afternoon to Monday morning", time.Date(2026, 12, 4, 16, 0, 0, 0, hailong.Location), time.Date(2026, 12, 7, 8, 30, 0, 0, hailong.Location), 2 * time.Hour},
		{"backwards", at(30, 12, 0), at(30, 8, 0), 0},
	}
	h := alerts.DefaultHours()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.Open(tt.from, tt.to); got != tt.want {
				t.Errorf("Open = %v, want %v", got, tt.want)
			}
		})
	}
}
