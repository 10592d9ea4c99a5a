package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	aggapp "hailong/aggregator/app"
	"hailong/syncapi"
)

// ingestRounds measures ingest through /api/v1/sync under several arms
// (alert rules, webhook subscriptions, both, neither), in rounds that take
// turns within one run, so every arm sees the same machine and the same
// database size: four kiosks upload batches of 200 at once through
// syncapi.Client, as the uploader does. Each cycle runs every arm once, in
// turn, every other cycle in the reverse order, so that a machine growing
// busier or a database growing larger favours none. A first round, with
// the last arm, is not counted: it warms the database and the server up.
type ingestRounds struct {
	agg *aggapp.Main
	// arms is how many arms there are (2 if 0); cycles how many rounds
	// of each are counted.
	arms, cycles int
	// arm switches to arm i, between rounds.
	arm func(i int)
	// settle, when set, runs at the end of a round, in its time: work the
	// round's ratings set off in the background (alert rules) still
	// shares the machine.
	settle func(i, ratings int)
	// after, when set, runs after a round, out of its time, and returns a
	// figure (the webhooks' delivery lag) and whether it counts in the
	// mean: what must be done before the next round starts.
	after func(i, ratings int) (float64, bool)
	// median, when set, receives the median ratios (see run).
	median *[]float64
}

// run returns the ratings per second of each arm, the CPU time this
// process spent per rating in each, and the mean of after. It logs each
// cycle's rates. ir.median, when set, is given the median over the
// cycles of each arm's CPU time per rating relative to the first arm's
// in the same cycle: rounds of one cycle run back to back, so the ratio
// is paired, and the median leaves out the rounds that a periodic
// pause of the whole process (a collection of the heap, the database's
// checkpoint) fell in, which move the sums by several percent.
//
// The CPU time counts the whole round and what after waits for (the
// webhooks' deliveries finishing), all the aggregator's work for the
// round's ratings, its database's too (embedded, in this process), and
// the kiosks' uploads, the same in every arm. On a machine shared with
// other work the rates move by more than the arms differ; the CPU time
// per rating does not, and its ratio is what the rates' ratio would be on
// a machine given to the aggregator alone.
func (ir ingestRounds) run(b *testing.B) (rates, cpu []float64, after float64) {
	b.Helper()
	t := &testing.T{}
	arms := max(ir.arms, 2)
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
	perRound := max(b.N/batch/(ir.cycles*arms)/kiosks, 1) * kiosks // batches
	took := make([]time.Duration, arms)
	cpus := make([]time.Duration, arms)
	var afters []float64
	order := []int{arms - 1} // the warm-up round
	for c := range ir.cycles {
		for i := range arms {
			if c%2 == 1 {
				i = arms - 1 - i
			}
			order = append(order, i)
		}
	}
	cycle := make([]float64, arms)
	cycleCPU := make([]time.Duration, arms)
	ratios := make([][]float64, arms) // by arm, a ratio per cycle
	b.ResetTimer()
	for n, arm := range order {
		b.StopTimer()
		var reqs []syncapi.Request
		for j := range perRound {
			k := j % kiosks
			reqs = append(reqs, syncBatch(ids[k], centres[k], batch, time.Now(), rng))
		}
		ir.arm(arm)
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime(b)
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
			ir.settle(arm, perRound*batch)
		}
		d := time.Since(t0)
		b.StopTimer()
		if n > 0 {
			took[arm] += d
			cycle[arm] = float64(perRound*batch) / d.Seconds()
		}
		if ir.after != nil {
			if x, ok := ir.after(arm, perRound*batch); ok && n > 0 {
				afters = append(afters, x)
			}
		}
		if n > 0 {
			cycleCPU[arm] = cpuTime(b) - c0
			cpus[arm] += cycleCPU[arm]
		}
		if n > 0 && n%arms == 0 {
			for i := range arms {
				ratios[i] = append(ratios[i], cycleCPU[0].Seconds()/cycleCPU[i].Seconds())
			}
			if b.N > 1 {
				b.Logf("cycle %d, ratings/s by arm: %.0f", n/arms, cycle)
			}
		}
		b.StartTimer()
	}
	b.StopTimer()
	count := float64(perRound * batch * ir.cycles)
	for i, d := range took {
		rates = append(rates, count/d.Seconds())
		cpu = append(cpu, cpus[i].Seconds()/count)
	}
	for _, x := range afters {
		after += x / float64(len(afters))
	}
	if ir.median != nil {
		*ir.median = (*ir.median)[:0]
		for _, r := range ratios {
			slices.Sort(r)
			m := r[len(r)/2]
			if len(r)%2 == 0 {
				m = (r[len(r)/2-1] + m) / 2
			}
			*ir.median = append(*ir.median, m)
		}
	}
	return rates, cpu, after
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
