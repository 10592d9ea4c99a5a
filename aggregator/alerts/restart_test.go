package alerts_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/rollup"
	"hailong/hierarchy"
)

// TestRestartKeepsOpenAlert stores an alert on the real database, starts
// a new engine on it, and checks that the alert is still open and listed
// and that the rule, still true, does not fire again until it is closed.
func TestRestartKeepsOpenAlert(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	catalog, tree, r := testCatalog(t), testTree(t), rollup.New()
	q, _ := catalog.Latest("counter-quick")
	for i := range 3 {
		fact, _ := rollup.FactOf(&hailong.Rating{ID: string(rune('a' + i)), Unit: centreA, Channel: hailong.ChannelKiosk, At: time.Now(),
			Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1, Answers: hailong.Answers{"overall": hailong.Int(bad), "attitude": hailong.Int(0)}}}, q)
		r.Add(fact)
	}
	start := func(db alerts.Store, events *recorder) *alerts.Engine {
		e := alerts.New(alerts.Config{Store: db, Catalog: catalog, Rollup: func() *rollup.Rollup { return r },
			Units: func() *hierarchy.Tree { return tree }, Publisher: events, Logger: slog.New(slog.DiscardHandler)})
		if err := e.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return e
	}
	db, closeDB := ferrettest.OpenDir(t, dir)
	first := &recorder{}
	e := start(db, first)
	e.Evaluate(ctx, centreA)
	opened := first.opened()
	// Of the default rules only harassment's minimum (one rating) is
	// reached here; the others need 30.
	if len(opened) != 1 {
		t.Fatalf("first run opened %v, want one alert (harassment)", opened)
	}
	before, err := e.Alerts(ctx, alerts.Filter{})
	if err != nil || len(before) != 1 {
		t.Fatalf("alerts: %v, %v", before, err)
	}
	if _, err := e.Acknowledge(ctx, before[0].ID, "manager"); err != nil {
		t.Fatal(err)
	}
	closeDB()

	db, _ = ferrettest.OpenDir(t, dir)
	second := &recorder{}
	e = start(db, second)
	e.Evaluate(ctx, centreA)
	if got := second.opened(); len(got) != 0 {
		t.Fatalf("after restart opened %v again", got)
	}
	after, err := e.Alerts(ctx, alerts.Filter{State: hailong.AlertAcknowledged})
	if err != nil || len(after) != 1 || after[0].ID != before[0].ID || after[0].AcknowledgedBy != "manager" {
		t.Fatalf("after restart: %+v, %v; want %s acknowledged", after, err, before[0].ID)
	}
	if _, err := e.Close(ctx, after[0].ID, "manager"); err != nil {
		t.Fatal(err)
	}
	e.Evaluate(ctx, centreA)
	if got := second.opened(); len(got) != 1 {
		t.Errorf("after closing, opened %v, want one new alert", got)
	}
	all, _ := e.Alerts(ctx, alerts.Filter{})
	if len(all) != 2 || all[0].State != hailong.AlertOpen || all[1].State != hailong.AlertClosed {
		t.Errorf("alerts %+v, want one open and one closed", all)
	}
}
