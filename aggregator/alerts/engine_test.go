package alerts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
	"hailong/aggregator/fleet"
	"hailong/aggregator/rollup"
	"hailong/syncapi"
)

const (
	bad  = 1 // Không hài lòng
	good = 2 // Hài lòng
	best = 3 // Rất hài lòng
)

// TestRulesOverRatingsFireOnceAtThreshold feeds ratings one at a time
// and checks that each kind of rule opens exactly one alert, after the
// rating that brings it to its threshold with its minimum number of
// ratings, and none before.
func TestRulesOverRatingsFireOnceAtThreshold(t *testing.T) {
	week := 7 * 24 * time.Hour
	tests := []struct {
		name    string
		rule    hailong.AlertRule
		ratings []rating
		fireAt  int // 1-based: the rating after which the alert opens
	}{
		{
			name: "negative share reaches its threshold with the minimum",
			rule: hailong.AlertRule{Kind: hailong.AlertNegativeShare, Threshold: 0.5, MinRatings: 4},
			// 1/1, 1/2, 1/3 are below the minimum; 2/4 is the threshold.
			ratings: []rating{{centreA, bad, -1}, {centreA, good, -1}, {centreA, best, -1}, {centreA, bad, -1}, {centreA, bad, -1}},
			fireAt:  4,
		},
		{
			name:    "negative share high but below the minimum never fires",
			rule:    hailong.AlertRule{Kind: hailong.AlertNegativeShare, Threshold: 0.5, MinRatings: 10},
			ratings: []rating{{centreA, bad, -1}, {centreA, bad, -1}, {centreA, bad, -1}},
		},
		{
			name: "satisfaction rate below its threshold",
			rule: hailong.AlertRule{Kind: hailong.AlertIndexBelow, Measure: alerts.MeasureSatisfaction, Threshold: 0.5, MinRatings: 4},
			// 2/4 = 0.5 is not below; 2/5 is.
			ratings: []rating{{centreA, good, -1}, {centreA, bad, -1}, {centreA, good, -1}, {centreA, bad, -1}, {centreA, bad, -1}, {centreA, bad, -1}},
			fireAt:  5,
		},
		{
			name: "Happy Index below its threshold",
			rule: hailong.AlertRule{Kind: hailong.AlertIndexBelow, Measure: alerts.MeasureHappyIndex, Threshold: 50, MinRatings: 3},
			// 0 and 0 below the minimum; then (0+0+100)/3 = 33,3.
			ratings: []rating{{centreA, bad, -1}, {centreA, bad, -1}, {centreA, best, -1}, {centreA, bad, -1}},
			fireAt:  3,
		},
		{
			name: "Circular 01 index 7 below its threshold",
			rule: hailong.AlertRule{Kind: hailong.AlertIndexBelow, Measure: alerts.MeasureCircular01 + "7", Threshold: 1, MinRatings: 3},
			// 2, 1: below the minimum; (2+1+0)/3 = 1 is not below; 3/4 is.
			ratings: []rating{{centreA, good, 2}, {centreA, good, 1}, {centreA, good, 0}, {centreA, good, 0}, {centreA, good, 0}},
			fireAt:  4,
		},
		{
			name: "harassment answers reach their count with the minimum",
			rule: hailong.AlertRule{Kind: hailong.AlertAnswerCount, Question: alerts.HarassmentQuestion, Answer: alerts.HarassmentAnswer, Threshold: 2, MinRatings: 3},
			// Two harassment answers among two ratings: below the minimum.
			ratings: []rating{{centreA, bad, 0}, {centreA, bad, 0}, {centreA, good, 2}, {centreA, bad, 0}},
			fireAt:  3,
		},
		{
			name:    "an answer scored 2 counted apart from those scored 1",
			rule:    hailong.AlertRule{Kind: hailong.AlertAnswerCount, Question: "attitude", Answer: "2", Threshold: 2, MinRatings: 1},
			ratings: []rating{{centreA, good, 1}, {centreA, good, 2}, {centreA, good, 1}, {centreA, good, 0}, {centreA, good, 2}, {centreA, good, 2}},
			fireAt:  5,
		},
		{
			name:    "ratings of another unit's subtree are not counted",
			rule:    hailong.AlertRule{Unit: "09190", Kind: hailong.AlertNegativeShare, Threshold: 0.5, MinRatings: 1},
			ratings: []rating{{centreB, bad, -1}, {centreB, bad, -1}, {centreA, good, -1}, {centreA, bad, -1}},
			fireAt:  4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tt.rule.ID, tt.rule.Name, tt.rule.Window = "r1", tt.name, week
				h := newHarness(t, tt.rule)
				firedAt := 0
				for i, r := range tt.ratings {
					h.rate(r)
					synctest.Wait()
					if n := len(h.events.opened()); n > 0 && firedAt == 0 {
						firedAt = i + 1
					}
				}
				if firedAt != tt.fireAt {
					t.Errorf("fired after rating %d, want %d (0: never)", firedAt, tt.fireAt)
				}
				if n := len(h.events.opened()); n > 1 {
					t.Errorf("fired %d times, want once", n)
				}
			})
		})
	}
}

// TestClockRulesFireOnceAtThreshold checks silence in opening hours and
// a kiosk's queue age on the engine's ticker.
func TestClockRulesFireOnceAtThreshold(t *testing.T) {
	tests := []struct {
		name string
		rule hailong.AlertRule
		// report is the kiosk's health at the start.
		report func(now time.Time) *syncapi.Health
		// quiet and loud are how long after the start (Monday 7:30 in
		// Vietnam) the rule has not fired yet and has fired.
		quiet, loud time.Duration
	}{
		{
			name: "silence counts opening hours only",
			rule: hailong.AlertRule{Kind: hailong.AlertSilence, Window: 5 * time.Hour},
			// 7:30–11:30 is four hours; 13:30–14:30 the fifth.
			quiet:  6*time.Hour + 50*time.Minute, // 14:20
			loud:   7*time.Hour + 5*time.Minute,  // 14:35
			report: func(time.Time) *syncapi.Health { return &syncapi.Health{} },
		},
		{
			name:  "queue older than its window",
			rule:  hailong.AlertRule{Kind: hailong.AlertQueueAge, Window: 3 * time.Hour},
			quiet: 1*time.Hour + 55*time.Minute,
			loud:  2*time.Hour + 5*time.Minute,
			report: func(now time.Time) *syncapi.Health {
				oldest := now.Add(-time.Hour)
				return &syncapi.Health{Queued: 12, OldestQueued: &oldest, LastRating: &now}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// The bubble starts on Saturday 1 January 2000, 0:00 UTC:
				// go to Monday 7:30 in Vietnam (0:30 UTC).
				time.Sleep(48*time.Hour + 30*time.Minute)
				tt.rule.Name = tt.name
				h := newHarness(t)
				h.fleetMu.Lock()
				h.kiosks = []hailong.Enrolment{{ID: "k1", Unit: centreA, Created: time.Now()}}
				h.fleet = []fleet.Report{{Kiosk: "k1", Health: tt.report(time.Now()), Reported: time.Now()}}
				h.fleetMu.Unlock()
				if _, err := h.engine.SaveRule(context.Background(), enabled(tt.rule)); err != nil {
					t.Fatal(err)
				}
				time.Sleep(tt.quiet)
				synctest.Wait()
				if got := h.events.opened(); len(got) != 0 {
					t.Fatalf("fired after %v: %v", tt.quiet, got)
				}
				time.Sleep(tt.loud - tt.quiet)
				synctest.Wait()
				if got := h.events.opened(); len(got) != 1 || got[0] != centreA {
					t.Fatalf("after %v: opened %v, want once for %s", tt.loud, got, centreA)
				}
				time.Sleep(3 * time.Hour)
				synctest.Wait()
				if got := h.events.opened(); len(got) != 1 {
					t.Errorf("fired again while open: %v", got)
				}
			})
		})
	}
}

// TestSilenceSurvivesRestart restarts the engine on Monday at 9:00 in
// Vietnam, with a silence rule of five opening hours and no rating since,
// and checks that a unit's silence counts from what the rollups know of the
// days before: from the midnight after its last day with a rating, from
// the start if it was rated that day, and never before its kiosk was
// enrolled.
func TestSilenceSurvivesRestart(t *testing.T) {
	tests := []struct {
		name string
		// rated is how many days before the restart the unit's last
		// rating was given (-1: never); enrolled, how long before the
		// restart its kiosk was.
		rated    int
		enrolled time.Duration
		// loud is whether the rule has fired at 14:35, quiet at 14:20.
		quietLoud [2]bool
	}{
		// Silent since Saturday: Monday 7:30–11:30 and 13:30–14:30.
		{name: "last rated on Friday", rated: 3, enrolled: 30 * 24 * time.Hour, quietLoud: [2]bool{false, true}},
		// Only from the start at 9:00: 9:00–11:30 and 13:30–14:35 is 3 h 35.
		{name: "rated the morning of the restart", rated: 0, enrolled: 30 * 24 * time.Hour, quietLoud: [2]bool{false, false}},
		// Silent for over a month, the rule fires at the first tick.
		{name: "never rated, enrolled long ago", rated: -1, enrolled: 60 * 24 * time.Hour, quietLoud: [2]bool{true, true}},
		// Enrolled at the start: as for the last rating on the morning.
		{name: "never rated, enrolled at the restart", rated: -1, enrolled: 0, quietLoud: [2]bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Saturday 1 January 2000, 0:00 UTC: to Monday 9:00 in
				// Vietnam (2:00 UTC).
				time.Sleep(50 * time.Hour)
				restart := time.Now()
				h := newHarness(t)
				if tt.rated >= 0 {
					at := restart.AddDate(0, 0, -tt.rated).Add(-time.Hour) // 8:00 that day
					rt := &hailong.Rating{ID: "r-before", Unit: centreA, Channel: hailong.ChannelKiosk, At: at,
						Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1, Answers: hailong.Answers{"overall": hailong.Int(good)}}}
					q, _ := h.catalog.Latest("counter-quick")
					fact, _ := rollup.FactOf(rt, q)
					h.rollup.Add(fact)
				}
				h.fleetMu.Lock()
				h.kiosks = []hailong.Enrolment{{ID: "k1", Unit: centreA, Created: restart.Add(-tt.enrolled)}}
				h.fleetMu.Unlock()
				if _, err := h.engine.SaveRule(context.Background(), enabled(hailong.AlertRule{Name: "silence", Kind: hailong.AlertSilence, Window: 5 * time.Hour})); err != nil {
					t.Fatal(err)
				}
				for i, at := range []time.Duration{5*time.Hour + 20*time.Minute, 5*time.Hour + 35*time.Minute} {
					time.Sleep(restart.Add(at).Sub(time.Now()))
					synctest.Wait()
					if got := len(h.events.opened()) > 0; got != tt.quietLoud[i] {
						t.Errorf("at %s fired %v, want %v", time.Now().In(hailong.Location).Format("15:04"), got, tt.quietLoud[i])
					}
				}
			})
		})
	}
}

func enabled(r hailong.AlertRule) hailong.AlertRule {
	r.Enabled = true
	return r
}

// TestLifecycle acknowledges, comments and closes an alert: it does not
// fire again while open or acknowledged, and fires again after it is
// closed when still true.
func TestLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		h := newHarness(t, hailong.AlertRule{ID: "r1", Name: "negative", Kind: hailong.AlertNegativeShare, Threshold: 0.5, MinRatings: 1, Window: 24 * time.Hour})
		h.rate(rating{centreA, bad, -1})
		synctest.Wait()
		list, err := h.engine.Alerts(ctx, alerts.Filter{State: hailong.AlertOpen})
		if err != nil || len(list) != 1 {
			t.Fatalf("open alerts: %v, %v", list, err)
		}
		id := list[0].ID
		a, err := h.engine.Acknowledge(ctx, id, "manager")
		if err != nil || a.State != hailong.AlertAcknowledged || a.AcknowledgedBy != "manager" || a.AcknowledgedAt == nil {
			t.Fatalf("acknowledge: %+v, %v", a, err)
		}
		if _, err := h.engine.Acknowledge(ctx, id, "manager"); hailong.ErrorCode(err) != hailong.ECONFLICT {
			t.Errorf("second acknowledgement: %v, want a conflict", err)
		}
		if a, err = h.engine.Comment(ctx, id, "manager", "Đã gọi trung tâm."); err != nil || len(a.Comments) != 1 {
			t.Fatalf("comment: %+v, %v", a, err)
		}
		h.rate(rating{centreA, bad, -1})
		synctest.Wait()
		if got := h.events.opened(); len(got) != 1 {
			t.Fatalf("fired again while acknowledged: %v", got)
		}
		if a, err = h.engine.Close(ctx, id, "manager"); err != nil || a.State != hailong.AlertClosed || a.ClosedBy != "manager" {
			t.Fatalf("close: %+v, %v", a, err)
		}
		if _, err := h.engine.Comment(ctx, id, "manager", "late"); hailong.ErrorCode(err) != hailong.ECONFLICT {
			t.Errorf("comment on a closed alert: %v, want a conflict", err)
		}
		h.rate(rating{centreA, bad, -1})
		synctest.Wait()
		if got := h.events.opened(); len(got) != 2 {
			t.Fatalf("after closing, still true: opened %v, want a second alert", got)
		}
		closed := 0
		for _, e := range h.events.events {
			if e.Type == hailong.EventAlertClosed && e.ID == "alert.closed:"+id {
				closed++
			}
		}
		if closed != 1 {
			t.Errorf("alert.closed published %d times, want once", closed)
		}
		if _, err := h.engine.Close(ctx, "nope", "manager"); hailong.ErrorCode(err) != hailong.ENOTFOUND {
			t.Errorf("closing an unknown alert: %v", err)
		}
	})
}

// TestDefaultRulesMadeOnce checks that the default rules are made at the
// first start and never again, once deleted or disabled.
func TestDefaultRulesMadeOnce(t *testing.T) {
	ctx := context.Background()
	h := &harness{t: t, store: newMemStore(), rollup: nil, catalog: testCatalog(t), events: &recorder{}}
	h.start()
	rules := h.engine.Rules()
	if len(rules) != len(alerts.DefaultRules(time.Now())) {
		t.Fatalf("first start: %d rules, want the defaults", len(rules))
	}
	harassment, err := h.engine.Rule("default-harassment")
	if err != nil || harassment.Question != "attitude" || harassment.Answer != "0" || !harassment.Enabled {
		t.Fatalf("harassment rule: %+v, %v", harassment, err)
	}
	if err := h.engine.DeleteRule(ctx, "default-silence"); err != nil {
		t.Fatal(err)
	}
	harassment.Enabled = false
	if _, err := h.engine.SaveRule(ctx, harassment); err != nil {
		t.Fatal(err)
	}
	h.engine.Stop()
	h.start()
	if _, err := h.engine.Rule("default-silence"); hailong.ErrorCode(err) != hailong.ENOTFOUND {
		t.Errorf("deleted default made again: %v", err)
	}
	if r, _ := h.engine.Rule("default-harassment"); r.Enabled {
		t.Error("disabled default enabled again")
	}
	if got := len(h.engine.Rules()); got != len(rules)-1 {
		t.Errorf("after restart %d rules, want %d", got, len(rules)-1)
	}
}

// TestCheck checks rules given through the API.
func TestCheck(t *testing.T) {
	catalog := testCatalog(t)
	const day = 24 * time.Hour
	tests := []struct {
		name   string
		rule   hailong.AlertRule
		fields []string
	}{
		{"default harassment", alerts.DefaultRules(time.Now())[2], nil},
		{"no name, kind unknown", hailong.AlertRule{Kind: "loud"}, []string{"name", "kind"}},
		{"share above one", hailong.AlertRule{Name: "x", Kind: hailong.AlertNegativeShare, Threshold: 1.5, MinRatings: 1, Window: day}, []string{"threshold"}},
		{"a share of 0, which every unit reaches", hailong.AlertRule{Name: "x", Kind: hailong.AlertNegativeShare, Threshold: 0, MinRatings: 1, Window: day}, []string{"threshold"}},
		{"unknown measure, no minimum", hailong.AlertRule{Name: "x", Kind: hailong.AlertIndexBelow, Measure: "mood", Window: day}, []string{"measure", "min_ratings"}},
		{"unknown measure, a threshold no measure takes: the measure alone", hailong.AlertRule{Name: "x", Kind: hailong.AlertIndexBelow, Measure: "mood", Threshold: 500, MinRatings: 1, Window: day}, []string{"measure"}},
		{"not a Circular 01 question", hailong.AlertRule{Name: "x", Kind: hailong.AlertAnswerCount, Question: "overall", Answer: "5", Threshold: 1, MinRatings: 1, Window: day}, []string{"question", "answer"}},
		{"a rule over ratings in hours, not days", hailong.AlertRule{Name: "x", Kind: hailong.AlertNegativeShare, Threshold: 0.3, MinRatings: 1, Window: 5 * time.Hour}, []string{"window"}},
		{"a rule over ratings of a week", hailong.AlertRule{Name: "x", Kind: hailong.AlertNegativeShare, Threshold: 0.3, MinRatings: 1, Window: 7 * day}, nil},
		{"silence in part of an hour", hailong.AlertRule{Name: "x", Kind: hailong.AlertSilence, Window: 90 * time.Minute}, nil},
		{"window too short", hailong.AlertRule{Name: "x", Kind: hailong.AlertSilence, Window: time.Minute}, []string{"window"}},
		{"unit outside", hailong.AlertRule{Name: "x", Unit: "99", Kind: hailong.AlertQueueAge, Window: time.Hour}, []string{"unit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := alerts.Check(&tt.rule, nil, func(u string) bool { return u == "" }, catalog)
			var got []string
			for _, p := range ps {
				got = append(got, p.Field)
				if p.Message("vi") == "" || p.Message("en") == "" {
					t.Errorf("%s: no message", p.Field)
				}
			}
			if len(got) != len(tt.fields) {
				t.Fatalf("problems %v, want %v", got, tt.fields)
			}
			for i := range got {
				if got[i] != tt.fields[i] {
					t.Errorf("problems %v, want %v", got, tt.fields)
				}
			}
			var e *hailong.Error
			if err := ps.Err("vi"); (err == nil) != (len(tt.fields) == 0) || (err != nil && !errors.As(err, &e)) {
				t.Errorf("Err: %v", err)
			}
		})
	}
}

// TestCheckAsksWholeDaysOfAChangedWindowOnly: a rule over ratings saved
// with a window of hours before whole days were asked (36 hours, counted
// as two days) can still be disabled or renamed; changing its window, or
// its kind to one over ratings, asks whole days.
func TestCheckAsksWholeDaysOfAChangedWindowOnly(t *testing.T) {
	catalog := testCatalog(t)
	stored := hailong.AlertRule{ID: "r1", Name: "x", Kind: hailong.AlertNegativeShare, Threshold: 0.3, MinRatings: 1, Window: 36 * time.Hour, Enabled: true}
	for _, tt := range []struct {
		name   string
		change func(r *hailong.AlertRule)
		fields int
	}{
		{"disabled", func(r *hailong.AlertRule) { r.Enabled = false }, 0},
		{"renamed, given a threshold", func(r *hailong.AlertRule) { r.Name, r.Threshold = "y", 0.4 }, 0},
		{"its window changed to other hours", func(r *hailong.AlertRule) { r.Window = 30 * time.Hour }, 1},
		{"its window changed to days", func(r *hailong.AlertRule) { r.Window = 48 * time.Hour }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, was := stored, stored
			tt.change(&r)
			if ps := alerts.Check(&r, &was, func(string) bool { return true }, catalog); len(ps) != tt.fields {
				t.Errorf("problems %+v, want %d", ps, tt.fields)
			}
		})
	}
	silence := hailong.AlertRule{ID: "r2", Name: "x", Kind: hailong.AlertSilence, Window: 5 * time.Hour}
	r := silence
	r.Kind, r.Threshold, r.MinRatings = hailong.AlertNegativeShare, 0.3, 1
	if ps := alerts.Check(&r, &silence, func(string) bool { return true }, catalog); len(ps) != 1 || ps[0].Field != "window" {
		t.Errorf("a silence rule of 5 hours made a rule over ratings: problems %+v, want the window's", ps)
	}
}

// TestProblemMessagesAreInTheirLanguage: a problem's values are written
// as people of the page's language read them: a range's numbers with
// their thousands, the measures by their names.
func TestProblemMessagesAreInTheirLanguage(t *testing.T) {
	catalog := testCatalog(t)
	count := hailong.AlertRule{Name: "x", Kind: hailong.AlertAnswerCount, Question: alerts.HarassmentQuestion, Answer: "0", Threshold: 0, MinRatings: 1, Window: 24 * time.Hour}
	measure := hailong.AlertRule{Name: "x", Kind: hailong.AlertIndexBelow, Measure: "mood", Threshold: 0.5, MinRatings: 1, Window: 24 * time.Hour}
	for _, tt := range []struct {
		name, lang string
		rule       hailong.AlertRule
		want       string
	}{
		{"a count's range", "vi", count, "Ngưỡng phải là một số trong khoảng 1–1.000.000."},
		{"a count's range", "en", count, "The threshold must be a number within 1–1,000,000."},
		{"the measures by name", "vi", measure, "Hãy chọn một chỉ số: Tỷ lệ hài lòng (satisfaction); Chỉ số Happy Index (0–100) (happy_index); Thông tư 01, chỉ số 1 (circular01_1)"},
		{"the measures by name", "en", measure, "Choose a measure: Satisfaction rate (satisfaction); Happy Index (0–100) (happy_index); Circular 01, index 1 (circular01_1)"},
	} {
		t.Run(tt.name+"/"+tt.lang, func(t *testing.T) {
			r := tt.rule
			ps := alerts.Check(&r, nil, func(string) bool { return true }, catalog)
			if len(ps) != 1 {
				t.Fatalf("problems %+v, want one", ps)
			}
			if got := ps[0].Message(tt.lang); !strings.HasPrefix(got, tt.want) {
				t.Errorf("%q, want it to begin %q", got, tt.want)
			}
		})
	}
}

// TestTwinRulesRefused: an enabled rule that fires exactly as another
// enabled one (whatever its name) is refused as a conflict naming the
// other, since it would open every alert, email and webhook twice; a
// disabled one is not (it opens nothing), nor enabling it while the other
// is disabled; a rule that differs in anything that fires it is not; a
// rule saved again is not its own twin.
func TestTwinRulesRefused(t *testing.T) {
	ctx := context.Background()
	h := &harness{t: t, store: newMemStore(), rollup: nil, catalog: testCatalog(t), events: &recorder{}}
	h.start()
	harassment, err := h.engine.Rule("default-harassment")
	if err != nil || !harassment.Enabled {
		t.Fatal(harassment, err)
	}
	if _, err := h.engine.SaveRule(ctx, harassment); err != nil {
		t.Fatalf("the rule saved again: %v", err)
	}
	twin := harassment
	twin.ID, twin.Name, twin.Default = "", "Phiền hà (bản sao)", false
	for _, tc := range []struct {
		name   string
		change func(*hailong.AlertRule)
		code   string
	}{
		{"the same enabled under another name", func(*hailong.AlertRule) {}, hailong.ECONFLICT},
		{"another threshold", func(r *hailong.AlertRule) { r.Threshold++ }, ""},
		{"another window", func(r *hailong.AlertRule) { r.Window += time.Hour }, ""},
		{"another minimum", func(r *hailong.AlertRule) { r.MinRatings++ }, ""},
		{"another answer", func(r *hailong.AlertRule) { r.Answer = "1" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := twin
			tc.change(&r)
			_, err := h.engine.SaveRule(ctx, r)
			if got := hailong.ErrorCode(err); got != tc.code {
				t.Fatalf("SaveRule: %v, want code %q", err, tc.code)
			}
			if tc.code != "" {
				if f := hailong.ErrorFields(err); len(f) != 1 || !strings.Contains(f[0].Message, harassment.Name) {
					t.Errorf("fields %+v, want the twin named", f)
				}
			}
		})
	}
	// The same, disabled: it opens nothing. Enabled while the original is:
	// refused; once the original is disabled, it may be.
	twin.Enabled = false
	if twin, err = h.engine.SaveRule(ctx, twin); err != nil {
		t.Fatalf("a disabled twin: %v", err)
	}
	twin.Enabled = true
	if _, err := h.engine.SaveRule(ctx, twin); hailong.ErrorCode(err) != hailong.ECONFLICT {
		t.Errorf("enabling a twin: %v, want a conflict", err)
	}
	harassment.Enabled = false
	if _, err := h.engine.SaveRule(ctx, harassment); err != nil {
		t.Fatalf("disabling the original: %v", err)
	}
	if _, err := h.engine.SaveRule(ctx, twin); err != nil {
		t.Errorf("enabling the twin of a disabled rule: %v", err)
	}
}
