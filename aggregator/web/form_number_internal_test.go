package web

import "testing"

// TestFormNumber: a number typed in an alert rule's form is read as the
// page's language writes numbers; "1.000" on a Vietnamese page is a
// thousand, never 1.
func TestFormNumber(t *testing.T) {
	for _, c := range []struct {
		lang, in string
		want     float64
	}{
		{"vi", "", 0},
		{"vi", "24", 24},
		{"vi", "1.000", 1000},
		{"vi", "1.000.000", 1e6},
		{"vi", "1.234,5", 1234.5},
		{"vi", "0,5", 0.5},
		{"vi", " 0,35 ", 0.35},
		{"vi", "0.5", 0.5}, // a point before other than three digits is no thousands'
		{"vi", "1,000", 1}, // a comma is the decimal mark here
		{"vi", "12.34", 12.34},
		{"vi", "1.00", 1},
		{"vi", "1.0000", 1},
		{"vi", "-1.000", -1000},
		{"vi", "0.500", 0.5}, // nobody writes thousands from 0
		{"vi", "-0.500", -0.5},
		{"vi", "00.500", 0.5},
		{"en", "0,250", 0.25},
		{"vi", "abc", -1},
		{"vi", "NaN", -1},
		{"vi", "Inf", -1},
		{"vi", "1.000.5", -1},
		{"en", "1,000", 1000},
		{"en", "1,234.5", 1234.5},
		{"en", "1.000", 1},
		{"en", "0,5", 0.5},
		{"en", "0.5", 0.5},
	} {
		t.Run(c.lang+" "+c.in, func(t *testing.T) {
			if got := formNumber(c.lang, c.in); got != c.want {
				t.Errorf("formNumber(%q, %q) = %v, want %v", c.lang, c.in, got, c.want)
			}
		})
	}
}
