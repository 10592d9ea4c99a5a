package report_test

import (
	"strings"
	"testing"

	"hailong/aggregator/report"
)

// A problem said in Vietnamese (dates as 10/03/2026) and then in English
// keeps its English dates.
func TestProblemSaidInTwoLanguages(t *testing.T) {
	get := func(k string) string { return map[string]string{"from": "2026-03-10", "to": "2026-03-01"}[k] }
	_, ps := report.ParsePeriod(get, report.Period{})
	if len(ps) != 1 {
		t.Fatalf("%v", ps)
	}
	before := ps[0].Message("en")
	_ = ps[0].Message("vi")
	after := ps[0].Message("en")
	if before != after {
		t.Errorf("English message changed after a Vietnamese one: %q → %q", before, after)
	}
	if !strings.Contains(before, "2026-03-10") {
		t.Errorf("%q", before)
	}
}
