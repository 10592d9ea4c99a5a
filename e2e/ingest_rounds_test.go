package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	aggapp "hailong/aggregator/app"
	"hailong/syncapi"
)

// ingestRounds measures ingest through /api/v1/sync with something off and
// on (alert rules, webhook subscriptions), in rounds that take turns within
// one run, so both arms see the same machine and the same database size:
// four kiosks upload batches of 200 at once through syncapi.Client, as the
// uploader does. A first round, not counted, warms the database and the
// server up.
type ingestRounds struct {
	agg *aggapp.Main
	// rounds counted, half in each arm.
	rounds int
	// arm switches what is measured on or off, between rounds.
	arm func(on bool)
	// settle, when set, runs at the end of a round, in its time: work the
	// round's ratings set off in the background (alert rules) still
	// shares the machine.
	settle func(on bool, ratings int)
	// after, when set, runs after a round, out of its time, and returns a
	// figure averaged over the rounds of the arm on (the webhooks'
	// delivery lag): what must be done before the next round starts.
	after func(on bool, ratings int) float64
}

// run returns the ratings per second off and on, and the mean of after.
func (ir ingestRounds) run(b *testing.B) (off, on, after float64) {
	b.Helper()
	t := &testing.T{}
	const batch, kiosks = 200, 4
	centres := []string{"TT-09190", "TT-09250", "TT-07210", "TT-07450"}
	var clients []*syncapi.Client
	var ids []string
	for i := range kiosks {
		id := fmt.Sprintf("bench-%d", i)
		clients = append(clients, kioskClient(ir.agg.URL(), enrol(t, ir.agg, id, centres[i])))
		ids = append(ids, id)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	perRound := max(b.N/batch/ir.rounds/kiosks, 1) * kiosks // batches
	var took [2]time.Duration
	var afters []float64
	b.ResetTimer()
	for i := range ir.rounds + 1 {
		b.StopTimer()
		var reqs []syncapi.Request
		for j := range perRound {
			k := j % kiosks
			reqs = append(reqs, syncBatch(ids[k], centres[k], batch, time.Now(), rng))
		}
		arm := (i + 1) % 2 // the warm-up round, first, is on
		ir.arm(arm == 1)
		b.StartTimer()
		t0 := time.Now()
		errs := make(chan error, kiosks)
		for k := range kiosks {
			go func() {
				for j := k; j < len(reqs); j += kiosks {
					if _, err := clients[k].Sync(context.Background(), reqs[j]); err != nil {
						errs <- err
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
		if ir.settle != nil {
			ir.settle(arm == 1, perRound*batch)
		}
		if i > 0 {
			took[arm] += time.Since(t0)
		}
		b.StopTimer()
		if ir.after != nil {
			if x := ir.after(arm == 1, perRound*batch); arm == 1 && i > 0 {
				afters = append(afters, x)
			}
		}
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(perRound * batch * ir.rounds / 2)
	for _, x := range afters {
		after += x / float64(len(afters))
	}
	return n / took[0].Seconds(), n / took[1].Seconds(), after
}
