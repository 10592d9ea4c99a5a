package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"hailong"
)

// A rule over ratings stored before 0d66632 with a window that is not a
// whole number of days (36 hours was taken) keeps running, but can no
// longer be disabled, renamed or have its threshold changed: every PATCH
// goes through alerts.Check again, which now refuses its window.
func TestReviewStoredRuleWithHoursWindowCanStillBeDisabled(t *testing.T) {
	base, eng, _, _ := alertsServer(t)
	r, err := eng.SaveRule(context.Background(), hailong.AlertRule{Name: "old rule", Kind: hailong.AlertNegativeShare,
		Threshold: 0.3, MinRatings: 1, Window: 36 * time.Hour, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	a := do(t, nil, "PATCH", base+"/api/v1/alert-rules/"+r.ID, alertsProvince, strings.NewReader(`{"enabled":false}`), "Content-Type", "application/json")
	if a.status != 200 {
		t.Errorf("PATCH {\"enabled\":false} of a stored rule with a 36-hour window: %d %s; want 200", a.status, a.body)
	}
}
