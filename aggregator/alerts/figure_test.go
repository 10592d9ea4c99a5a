package alerts_test

import (
	"math"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
)

// TestFigure: an alert's figures read as its kind does, the same on the
// alerts page and in the emails, which both write them through Figure:
// silence in opening hours (never days: 36 of them are nearly a working
// week), a queue's age as a span unless too long for one, and a legacy
// index alert without a percentage it cannot be sure of.
func TestFigure(t *testing.T) {
	for _, tt := range []struct {
		name, lang string
		kind       hailong.AlertKind
		measure    string
		v          float64
		want       string
	}{
		{"negative share", "vi", hailong.AlertNegativeShare, "", 0.42, "42,0\u00a0%"},
		{"negative share", "en", hailong.AlertNegativeShare, "", 0.42, "42.0%"},
		{"satisfaction rate", "vi", hailong.AlertIndexBelow, alerts.MeasureSatisfaction, 0.625, "62,5\u00a0%"},
		{"happy index, a score and never a percentage", "vi", hailong.AlertIndexBelow, alerts.MeasureHappyIndex, 0.5, "0,5"},
		{"happy index", "en", hailong.AlertIndexBelow, alerts.MeasureHappyIndex, 87.5, "87.5"},
		{"circular 01 index", "vi", hailong.AlertIndexBelow, alerts.MeasureCircular01 + "7", 0.75, "0,75"},
		{"index from before measures were recorded, its scale unknown", "vi", hailong.AlertIndexBelow, "", 0.75, "0,75"},
		{"index from before measures were recorded, above 1", "vi", hailong.AlertIndexBelow, "", 1.2, "1,20"},
		{"answer count", "vi", hailong.AlertAnswerCount, "", 1234, "1.234"},
		{"silence in opening hours", "vi", hailong.AlertSilence, "", 5, "5 giờ làm việc"},
		{"silence of many opening hours, never days", "en", hailong.AlertSilence, "", 36, "36 opening hours"},
		{"silence of part of an hour", "vi", hailong.AlertSilence, "", 4.5, "4,5 giờ làm việc"},
		{"queue age", "vi", hailong.AlertQueueAge, "", 24.5, "1 ngày"},
		{"queue age of minutes", "vi", hailong.AlertQueueAge, "", 0.25, "15 phút"},
		{"queue age too long for a span", "vi", hailong.AlertQueueAge, "", 3e6, "3.000.000 giờ"},
		{"queue age unknown", "en", hailong.AlertQueueAge, "", math.NaN(), "NaN h"},
		{"queue age infinite", "en", hailong.AlertQueueAge, "", math.Inf(1), "∞ h"},
	} {
		t.Run(tt.name+"/"+tt.lang, func(t *testing.T) {
			a := hailong.Alert{Kind: tt.kind, Measure: tt.measure}
			if got := alerts.Figure(tt.lang, a, tt.v); got != tt.want {
				t.Errorf("Figure(%v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

// TestFigures: what an alert measured and its threshold never read alike
// when they differ.
func TestFigures(t *testing.T) {
	for _, tt := range []struct {
		name, lang, measure   string
		kind                  hailong.AlertKind
		value, threshold      float64
		wantValue, wantThresh string
	}{
		{"apart at one decimal", "vi", alerts.MeasureSatisfaction, hailong.AlertIndexBelow, 0.62, 0.8, "62,0\u00a0%", "80,0\u00a0%"},
		{"a rate just below its threshold", "vi", alerts.MeasureSatisfaction, hailong.AlertIndexBelow, 0.9995, 1, "99,95\u00a0%", "100,00\u00a0%"},
		{"a rate just below its threshold", "en", alerts.MeasureSatisfaction, hailong.AlertIndexBelow, 0.9995, 1, "99.95%", "100.00%"},
		{"a share just above its threshold", "vi", "", hailong.AlertNegativeShare, 0.30004, 0.3, "30,004\u00a0%", "30,000\u00a0%"},
		{"a Circular 01 index", "vi", alerts.MeasureCircular01 + "7", hailong.AlertIndexBelow, 0.9999, 1, "0,9999", "1,0000"},
		{"the Happy Index", "en", alerts.MeasureHappyIndex, hailong.AlertIndexBelow, 74.96, 75, "74.96", "75.00"},
		{"equal", "vi", alerts.MeasureSatisfaction, hailong.AlertIndexBelow, 0.8, 0.8, "80,0\u00a0%", "80,0\u00a0%"},
		{"a queue's age half an hour past its day", "vi", "", hailong.AlertQueueAge, 24.5, 24, "24,5 giờ", "24,0 giờ"},
		{"a queue's age half an hour past its day", "en", "", hailong.AlertQueueAge, 24.5, 24, "24.5 h", "24.0 h"},
		{"a queue's age days apart", "vi", "", hailong.AlertQueueAge, 50, 24, "2 ngày 2 giờ", "1 ngày"},
		{"silence just past its hours", "vi", "", hailong.AlertSilence, 4.02, 4, "4,02 giờ làm việc", "4,00 giờ làm việc"},
		{"silence an hour past", "en", "", hailong.AlertSilence, 5, 4, "5 opening hours", "4 opening hours"},
	} {
		t.Run(tt.name+"/"+tt.lang, func(t *testing.T) {
			a := hailong.Alert{Kind: tt.kind, Measure: tt.measure, Value: tt.value, Threshold: tt.threshold}
			if v, th := alerts.Figures(tt.lang, a); v != tt.wantValue || th != tt.wantThresh {
				t.Errorf("Figures = %q, %q; want %q, %q", v, th, tt.wantValue, tt.wantThresh)
			}
		})
	}
}

// TestRuleName: a default rule is named in the page's language while its
// name is the one it shipped with; a name someone gave is theirs.
func TestRuleName(t *testing.T) {
	const harassmentVI = "Phản ánh công chức gây phiền hà, sách nhiễu"
	for _, tt := range []struct{ name, lang, id, rule, want string }{
		{"a default rule in English", "en", "default-harassment", harassmentVI, "Officials reported for causing trouble or harassment"},
		{"a default rule in Vietnamese", "vi", "default-harassment", harassmentVI, harassmentVI},
		{"a default rule renamed", "en", "default-harassment", "Sách nhiễu ở Kinh Bắc", "Sách nhiễu ở Kinh Bắc"},
		{"a rule of someone's", "en", "r-1", harassmentVI, harassmentVI},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := alerts.RuleName(tt.lang, tt.id, tt.rule); got != tt.want {
				t.Errorf("RuleName(%s, %s, %q) = %q, want %q", tt.lang, tt.id, tt.rule, got, tt.want)
			}
		})
	}
	for _, r := range alerts.DefaultRules(time.Now()) {
		if alerts.RuleName("en", r.ID, r.Name) == r.Name {
			t.Errorf("the default rule %s has no English name", r.ID)
		}
	}
}
