package outcomes

import (
	"fmt"
	"testing"

	"hailong/aggregator/rollup"
)

// BenchmarkEvictWithNothingToDrop measures what every report pays once
// the book holds more than its budget and no month can be dropped yet
// (every one changed since the last save, or none saved): 375,000
// dossiers over 60 months, a budget of 300,000, 20,000 reports changed
// since the last save.
//
//	go test -run '^$' -bench EvictWithNothingToDrop ./aggregator/outcomes
func BenchmarkEvictWithNothingToDrop(b *testing.B) {
	bk := New(Discard)
	for i := range 375000 {
		bk.put(&entry{key: fmt.Sprint(i), month: rollup.Month(i % 60)})
	}
	bk.byMonth, bk.segmented, bk.entryBudget = true, true, 300000
	// Changed since the last save, as the open month's reports are.
	for i := range 20000 {
		bk.changed[fmt.Sprintf("H22.39-2606%02d-%04d", 1+i%28, i)] = ""
	}
	for b.Loop() {
		bk.evict()
	}
	if len(bk.entries) != 375000 {
		b.Fatalf("%d entries held, want all 375,000: none is saved", len(bk.entries))
	}
}
