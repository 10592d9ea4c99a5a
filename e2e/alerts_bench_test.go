package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
	aggapp "hailong/aggregator/app"
	"hailong/syncapi"
)

// BenchmarkIngestAlertRules measures ingest through /api/v1/sync (four
// kiosks, batches of 200) with no alert rule enabled and with 100 rules
// over the province, in rounds that take turns within one run, so both
// see the same machine and the same database size. The rules are of
// every kind over ratings, with windows of 1 to 30 days, and thresholds
// they do not reach (a rule that fired is not evaluated again while its
// alert is open, which would flatter the figure).
//
//	go test -run '^$' -bench IngestAlertRules -benchtime 120000x ./e2e
func BenchmarkIngestAlertRules(b *testing.B) {
	t := &testing.T{}
	ctx := context.Background()
	agg := &aggapp.Main{Config: aggapp.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(), DemoData: true}, Logger: quiet}
	if err := agg.Run(ctx); err != nil {
		b.Fatal(err)
	}
	defer agg.Close()
	eng := agg.Alerts()
	var ours []hailong.AlertRule
	for _, r := range eng.Rules() { // the defaults: off in both arms
		r.Enabled = false
		if _, err := eng.SaveRule(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 100 {
		r := hailong.AlertRule{Name: fmt.Sprintf("bench %d", i), Unit: "24", Window: time.Duration(1+i%30) * 24 * time.Hour, MinRatings: 30}
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
		ours = append(ours, saved)
	}
	setRules := func(on bool) {
		for i := range ours {
			ours[i].Enabled = on
			if _, err := eng.SaveRule(ctx, ours[i]); err != nil {
				b.Fatal(err)
			}
		}
	}

	// Rounds alternate: no rules, 100 rules, …; a first round, not
	// counted, warms the database and the server up.
	const batch, kiosks, rounds = 200, 4, 8
	centres := []string{"TT-09190", "TT-09250", "TT-07210", "TT-07450"}
	var creds []syncapi.Credential
	for i := range kiosks {
		creds = append(creds, enrol(t, agg, fmt.Sprintf("bench-%d", i), centres[i]))
	}
	rng := rand.New(rand.NewPCG(1, 1))
	perRound := max(b.N/batch/rounds/kiosks, 1) * kiosks // batches
	var bodies [][][]byte
	for range rounds + 1 {
		var round [][]byte
		for i := range perRound {
			k := i % kiosks
			body, _ := json.Marshal(syncBatch(creds[k].Kiosk, centres[k], batch, time.Now(), rng))
			round = append(round, body)
		}
		bodies = append(bodies, round)
	}
	b.ResetTimer()
	var took [2]time.Duration
	for i, round := range bodies {
		b.StopTimer()
		arm := (i + 1) % 2 // the warm-up round, first, has rules
		setRules(arm == 1)
		b.StartTimer()
		t0 := time.Now()
		errs := make(chan error, kiosks)
		for k := range kiosks {
			go func() {
				for j := k; j < len(round); j += kiosks {
					req, _ := http.NewRequest("POST", agg.URL()+syncapi.Path, bytes.NewReader(round[j]))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+creds[k].String())
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						return
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						errs <- fmt.Errorf("status %d", resp.StatusCode)
						return
					}
				}
				errs <- nil
			}()
		}
		for range kiosks {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		// The rules' evaluation of this round's ratings counts in its
		// time: what runs in the background still shares the machine.
		eng.Settle(ctx)
		if i > 0 {
			took[arm] += time.Since(t0)
		}
	}
	b.StopTimer()
	n := float64(perRound * batch * rounds / 2)
	without, with := n/took[0].Seconds(), n/took[1].Seconds()
	if open, _ := eng.Alerts(ctx, alerts.Filter{State: hailong.AlertOpen}); len(open) != 0 {
		b.Fatalf("%d alerts opened: the rules must not fire here", len(open))
	}
	b.ReportMetric(without, "sync-0-rules/s")
	b.ReportMetric(with, "sync-100-rules/s")
	b.ReportMetric(100*with/without, "%-with-rules")
	b.ReportMetric(0, "ns/op")
}
