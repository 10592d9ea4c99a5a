package hailong_test

import (
	"testing"

	"hailong"
)

func TestReadDate(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // YYYY-MM-DD; "" for an error
	}{
		{"Vietnamese, day first", "05/11/2026", "2026-11-05"},
		{"Vietnamese without leading zeros", "5/11/2026", "2026-11-05"},
		{"Vietnamese, a one-digit month", "30/1/2026", "2026-01-30"},
		{"ISO", "2026-11-05", "2026-11-05"},
		{"spaces around", " 30/11/2026 ", "2026-11-30"},
		{"a leap day", "29/02/2028", "2028-02-29"},
		{"no 29 February in 2026", "29/02/2026", ""},
		{"no 31 November", "31/11/2026", ""},
		{"the month first is not read", "11/30/2026", ""},
		{"month 13", "05/13/2026", ""},
		{"a two-digit year", "05/11/26", ""},
		{"dashes, day first (a phone's number pad)", "05-11-2026", "2026-11-05"},
		{"dots, day first", "5.11.2026", "2026-11-05"},
		{"eight digits, day first", "05112026", "2026-11-05"},
		{"eight digits of no date", "31112026", ""},
		{"ISO with slashes", "2026/11/05", ""},
		{"ISO without leading zeros", "2026-1-5", ""},
		{"day 0", "00/11/2026", ""},
		{"three digits of day", "005/11/2026", ""},
		{"words", "hôm nay", ""},
		{"empty", "", ""},
		{"a date and a time", "2026-11-05T08:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := hailong.ReadDate(tt.in)
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("ReadDate(%q) = %s, want an error", tt.in, d)
			case tt.want != "" && err != nil:
				t.Errorf("ReadDate(%q): %v, want %s", tt.in, err, tt.want)
			case tt.want != "" && d.String() != tt.want:
				t.Errorf("ReadDate(%q) = %s, want %s", tt.in, d, tt.want)
			}
		})
	}
}
