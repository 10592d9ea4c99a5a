package hailong_test

import (
	"strings"
	"testing"

	"hailong"
)

// TestOutcomeDaysWithinTheReformsYears refuses an outcome any of whose
// days falls outside 2000 to 2100 (a default or a typing slip of the
// one-stop software, which no period of the measures would ever show),
// naming the field, and takes the days at both ends.
func TestOutcomeDaysWithinTheReformsYears(t *testing.T) {
	day := hailong.DateFromYMD
	tests := []struct {
		name  string
		set   func(o *hailong.Outcome)
		field string // "" if valid
	}{
		{"the reform's years", func(*hailong.Outcome) {}, ""},
		{"the first day", func(o *hailong.Outcome) { o.Received = day(2000, 1, 1) }, ""},
		{"the last day", func(o *hailong.Outcome) { r := day(2100, 12, 31); o.Due, o.Returned = r, &r }, ""},
		{"received in 1900", func(o *hailong.Outcome) { o.Received = day(1900, 1, 1) }, "received"},
		{"received in year 1", func(o *hailong.Outcome) { o.Received = day(1, 1, 1) }, "received"},
		{"due in 2999", func(o *hailong.Outcome) { o.Due = day(2999, 1, 1) }, "due"},
		{"returned in 2101", func(o *hailong.Outcome) { r := day(2101, 1, 2); o.Due, o.Returned = r, &r }, "returned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ret := day(2026, 3, 11)
			o := hailong.Outcome{Dossier: "H22.39-260305-0101", Unit: "TT-09190", Received: day(2026, 3, 5), Due: day(2026, 3, 12), Returned: &ret}
			tt.set(&o)
			err := o.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var msg string
			for _, f := range hailong.ErrorFields(err) {
				if f.Field == tt.field {
					msg = f.Message
				}
			}
			if !strings.Contains(msg, "is not a day from 2000-01-01 to 2100-12-31") {
				t.Errorf("%v: no problem of %s about its day (%q)", err, tt.field, msg)
			}
		})
	}
}
