package outcomes

import "hailong/aggregator/rollup"

// Rollup returns the outcomes' sums, for reading only: a provincial
// aggregator serves its cells to the national one (package national).
func (b *Book) Rollup() *rollup.Rollup {
	b.wait()
	return b.roll
}

// Over returns a book that reads the outcome sums of roll, pulled from
// elsewhere (the national view), for Query, Breakdown and Groups only: it
// keeps no dossiers and no store, so its owner must refuse reports
// before they reach it (app's national book does).
func Over(roll *rollup.Rollup) *Book {
	opened := make(chan struct{})
	close(opened)
	return &Book{roll: roll, opened: opened}
}
