package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
	aggapp "hailong/aggregator/app"
)

// BenchmarkIngestAlertsWebhooks is issue 12's figure: ingest through
// /api/v1/sync (four kiosks, batches of 200) with nothing listening against
// ingest with 100 alert rules over the province and 10 webhook
// subscriptions to rating.stored (receivers on loopback, in a child
// process, as they would be on other machines), and with each alone, in
// rounds that take turns within one run (ingestRounds), so all see the same
// machine and the same database size. The rules are of every kind over ratings,
// with windows of 1 to 30 days and thresholds they do not reach (a rule
// that fired is not evaluated again while its alert is open, which would
// flatter the figure). The rules' evaluation of a round's ratings counts
// in its time; the webhooks' deliveries are awaited after the round, not
// counted, and reported as their lag, so that no round pays for another's.
// Each figure of CPU time is reported twice: as the ratio of the sums over
// all rounds, and as the median over the twelve cycles of the ratio within
// each (the "-median" figures, steadier: see ingestRounds.run). The CPU
// figures are the ones to read: rounds end when the uploads do, so a
// webhook delivery that falls after a round's end is charged to its CPU
// time but not to its rate.
//
//	go test -run '^$' -bench IngestAlertsWebhooks -benchtime 288000x ./e2e
func BenchmarkIngestAlertsWebhooks(b *testing.B) {
	ctx := context.Background()
	agg := &aggapp.Main{Config: aggapp.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(), DemoData: true, WebhookAllowPrivate: true}, Logger: quiet}
	if err := agg.Run(ctx); err != nil {
		b.Fatal(err)
	}
	defer agg.Close()
	eng := agg.Alerts()
	for _, r := range eng.Rules() { // the defaults: off in both arms
		r.Enabled = false
		if _, err := eng.SaveRule(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	var rules []hailong.AlertRule
	for i := range 100 {
		r := hailong.AlertRule{Name: fmt.Sprintf("bench %d", i), Unit: "24", Window: time.Duration(1+i%30) * 24 * time.Hour, MinRatings: int64(30 + i)} // no two alike (Engine.SaveRule refuses twins)
		switch i % 4 {
		case 0:
			r.Kind, r.Threshold = hailong.AlertNegativeShare, 0.99
		case 1:
			r.Kind, r.Measure, r.Threshold = hailong.AlertIndexBelow, "satisfaction", 0.01
		case 2:
			r.Kind, r.Measure, r.Threshold = hailong.AlertIndexBelow, "happy_index", 0.01
		case 3:
			r.Kind, r.Question, r.Answer, r.Threshold = hailong.AlertAnswerCount, "attitude", "0", 1e6
		}
		saved, err := eng.SaveRule(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		rules = append(rules, saved)
	}
	hooks := newReceivers(b, agg, 10)
	// The arms: nothing, the rules alone, the webhooks alone, both.
	rulesOn := func(i int) bool { return i == 1 || i == 3 }
	hooksOn := func(i int) bool { return i >= 2 }
	var median []float64
	rounds := ingestRounds{agg: agg, arms: 4, cycles: 12, median: &median,
		arm: func(i int) {
			for n := range rules {
				if rules[n].Enabled == rulesOn(i) {
					continue
				}
				rules[n].Enabled = rulesOn(i)
				if _, err := eng.SaveRule(ctx, rules[n]); err != nil {
					b.Fatal(err)
				}
			}
			hooks.enable(hooksOn(i))
		},
		settle: func(int, int) { eng.Settle(ctx) },
		after: func(i, ratings int) (float64, bool) {
			return hooks.await(hooksOn(i), ratings), hooksOn(i)
		}}
	rates, cpu, lag := rounds.run(b)
	if open, _ := eng.Alerts(ctx, alerts.Filter{State: hailong.AlertOpen}); len(open) != 0 {
		b.Fatalf("%d alerts opened: the rules must not fire here", len(open))
	}
	hooks.check(b)
	b.ReportMetric(rates[0], "sync-none/s")
	b.ReportMetric(rates[3], "sync-100-rules-10-webhooks/s")
	b.ReportMetric(100*rates[1]/rates[0], "%-rules-only")
	b.ReportMetric(100*rates[2]/rates[0], "%-webhooks-only")
	b.ReportMetric(100*rates[3]/rates[0], "%-of-none")
	b.ReportMetric(lag, "delivery-lag-s")
	b.ReportMetric(1e6*cpu[0], "cpu-us/rating-none")
	b.ReportMetric(1e6*cpu[3], "cpu-us/rating-both")
	b.ReportMetric(100*cpu[0]/cpu[1], "%-cpu-rules-only")
	b.ReportMetric(100*cpu[0]/cpu[2], "%-cpu-webhooks-only")
	b.ReportMetric(100*cpu[0]/cpu[3], "%-cpu-of-none")
	b.ReportMetric(100*median[1], "%-cpu-rules-only-median")
	b.ReportMetric(100*median[2], "%-cpu-webhooks-only-median")
	b.ReportMetric(100*median[3], "%-cpu-of-none-median")
	b.ReportMetric(0, "ns/op")
}
