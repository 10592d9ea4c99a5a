package rollup

import (
	"container/list"
	"encoding/binary"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"hailong"
)

// A grouping by fine dimensions (procedure, official, counter, field) of
// a long period reads every unit's sums of every month: a year of a
// province at five million ratings is millions of procedure sums, because
// a unit's procedures are many and each is rated a few times a month.
// Added up over the units, a month of the province holds a few thousand
// values. So the groups of each whole month of a grouping are kept, in
// that compact form, until the month changes (its generation moves), its
// cells are dropped from memory, or the fields of procedures are told
// again; a grouping of whole months then adds up the kept months, and
// reads cells and sums only for the months it has not kept and the days of
// cut months. A closed month is grouped once however many pages and
// reports ask for it; the month taking ratings is grouped again by the
// first query after each change, as before. Only groupings by whole
// units' data are kept: a filter naming a fine dimension (an official, a
// procedure) reads that value's few cells through the indexes anyway.

// fillBehind is how many months a grouping must miss for them to be
// grouped and kept behind it rather than before its answer, and maxFills
// bounds the groupings waiting to be.
const (
	fillBehind = 2
	maxFills   = 64
	// fillDelay is how long a fill waits before it starts.
	fillDelay = 100 * time.Millisecond
)

// DefaultMonthGroupBytes bounds the memory of the kept groups of months of
// a rollup, unless SetMonthGroupBytes says otherwise.
const DefaultMonthGroupBytes = 64 << 20

// monthGroupKey names the groups of one whole month of one grouping.
type monthGroupKey struct {
	units string // the units, in the query's order (unitsKey)
	f     Filter // naming no fine dimension
	kinds string // the fine dimensions grouped by
	items bool
	month int32
}

// monthGroupEntry is the groups of one month of a grouping, as the month
// was at generation gen, one per kind of the key.
type monthGroupEntry struct {
	key    monthGroupKey
	gen    uint64
	groups []keptGroup
	bytes  int64
	elem   *list.Element
}

// keptGroup is a grouper's sums in a compact form: only the sums seen,
// each with the index of its value.
type keptGroup struct {
	values []id
	pairs  []pair
	sums   []keptSum
	accs   []keptAcc // the values whose accumulators hold anything
}

type keptSum struct {
	value int32 // index in values
	pair  uint16
	sum   leanSum
}

type keptAcc struct {
	value int32
	acc   accumulator
}

// monthGroups keeps groups of months, least recently used dropped first
// beyond its bytes. Its mutex guards all of it; queries under the
// rollup's read lock share it.
type monthGroups struct {
	mu      sync.Mutex
	entries map[monthGroupKey]*monthGroupEntry
	lru     list.List // of *monthGroupEntry, most recently used first
	bytes   int64
	limit   atomic.Int64 // written under mu
	// hits and misses count the months found kept and grouped anew.
	hits, misses int64
	// filling holds the groupings (keys without a month) whose missing
	// months are being grouped and kept behind a query; fills counts them.
	filling map[monthGroupKey]bool
	fills   sync.WaitGroup
	// filler lets one fill group at a time: work behind queries leaves
	// the other processors to them.
	filler sync.Mutex
	delay  atomic.Int64 // how long a fill waits before it starts, fillDelay
}

func newMonthGroups() *monthGroups {
	c := &monthGroups{entries: map[monthGroupKey]*monthGroupEntry{}, filling: map[monthGroupKey]bool{}}
	c.limit.Store(DefaultMonthGroupBytes)
	c.delay.Store(int64(fillDelay))
	return c
}

// get returns the kept groups of k if the month is still at generation
// gen.
func (c *monthGroups) get(k monthGroupKey, gen uint64) ([]keptGroup, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || e.gen != gen {
		c.misses++
		return nil, false
	}
	c.hits++
	c.lru.MoveToFront(e.elem)
	return e.groups, true
}

// put keeps the groups of k at generation gen, dropping the least
// recently used beyond the limit.
func (c *monthGroups) put(k monthGroupKey, gen uint64, groups []keptGroup) {
	// The entry, its element of the list, its slot in the map (at most
	// half full just after it grows), its key's strings and its groups:
	// a unit's page keeps many small groups, whose sums are a part only.
	f := &k.f
	size := int64(unsafe.Sizeof(monthGroupEntry{})+unsafe.Sizeof(list.Element{})+2*(unsafe.Sizeof(k)+unsafe.Sizeof(&monthGroupEntry{}))) +
		int64(len(k.units)+len(k.kinds)+len(f.Questionnaire)+len(f.Channel)+len(f.Procedure)+len(f.Field)+len(f.Official)+len(f.Counter)) +
		int64(cap(groups))*int64(unsafe.Sizeof(keptGroup{}))
	for i := range groups {
		size += groups[i].bytes()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		c.remove(old) // of an earlier generation: never read again
	}
	if size > c.limit.Load()/4 {
		return // one grouping may not crowd out the rest
	}
	e := &monthGroupEntry{key: k, gen: gen, groups: groups, bytes: size}
	e.elem = c.lru.PushFront(e)
	c.entries[k] = e
	c.bytes += size
	c.trim()
}

// trim drops the least recently used beyond the limit.
func (c *monthGroups) trim() {
	for c.bytes > c.limit.Load() {
		c.remove(c.lru.Back().Value.(*monthGroupEntry))
	}
}

func (c *monthGroups) remove(e *monthGroupEntry) {
	c.lru.Remove(e.elem)
	delete(c.entries, e.key)
	c.bytes -= e.bytes
}

// forget drops the kept groups of the months for which drop is true, or
// of every month if drop is nil.
func (c *monthGroups) forget(drop func(m Month) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if drop == nil || drop(Month(e.key.month)) {
			c.remove(e)
		}
	}
}

// setLimit sets the bytes kept at most; 0 or less keeps nothing.
func (c *monthGroups) setLimit(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit.Store(max(n, 0))
	c.trim()
}

// SetMonthGroupBytes bounds the memory of the groups of whole months kept
// for groupings of long periods (DefaultMonthGroupBytes unless set); 0
// keeps none, so that every grouping reads its months' sums.
func (r *Rollup) SetMonthGroupBytes(n int64) { r.monthGroups.setLimit(n) }

// WaitKept waits until the months being grouped and kept behind queries
// are kept: for tests and benchmarks that time a grouping with nothing
// kept, one after another.
func (r *Rollup) WaitKept() { r.monthGroups.fills.Wait() }

// MonthGroupStats reports how many months groupings found kept and how
// many they grouped anew, and the bytes kept.
func (r *Rollup) MonthGroupStats() (hits, misses, bytes int64) {
	c := r.monthGroups
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses, c.bytes
}

// keep returns g in the compact form. g is not used after.
func keep(g *grouper) keptGroup {
	// Made to measure: the grouper's slices grew by doubling, up to twice
	// the room they use.
	k := keptGroup{values: slices.Clone(g.values), pairs: slices.Clone(g.pairs)}
	held := func(a *accumulator) bool { return len(a.channels) > 0 || len(a.byQ) > 0 || a.out != (Outcomes{}) }
	sums, accs := 0, 0
	for _, row := range g.lean {
		for i := range row {
			if row[i].seen {
				sums++
			}
		}
	}
	for i := range g.accs {
		if held(&g.accs[i]) {
			accs++
		}
	}
	k.sums, k.accs = make([]keptSum, 0, sums), make([]keptAcc, 0, accs)
	for p, row := range g.lean {
		for i := range row {
			if row[i].seen {
				k.sums = append(k.sums, keptSum{value: int32(i), pair: uint16(p), sum: row[i]})
			}
		}
	}
	for i := range g.accs {
		if a := &g.accs[i]; held(a) {
			k.accs = append(k.accs, keptAcc{value: int32(i), acc: *a})
		}
	}
	return k
}

// addTo adds the kept sums to g.
func (k *keptGroup) addTo(g *grouper) {
	at := make([]int, len(k.values))
	for i, v := range k.values {
		at[i] = g.index(v)
	}
	for i := range k.accs {
		g.accs[at[k.accs[i].value]].merge(&k.accs[i].acc)
	}
	for i := range k.sums {
		s := &k.sums[i]
		p := k.pairs[s.pair]
		g.addSum(at[s.value], p.q, p.ch, &s.sum)
	}
}

// bytes is about the memory k holds.
func (k *keptGroup) bytes() int64 {
	n := int64(cap(k.values))*int64(unsafe.Sizeof(id(0))) + int64(cap(k.pairs))*int64(unsafe.Sizeof(pair{})) +
		int64(cap(k.sums))*int64(unsafe.Sizeof(keptSum{})) + int64(cap(k.accs))*int64(unsafe.Sizeof(keptAcc{}))
	for i := range k.accs {
		a := &k.accs[i].acc
		n += int64(cap(a.channels))*int64(unsafe.Sizeof(chAcc{})) + int64(cap(a.byQ))*int64(unsafe.Sizeof(qAcc{}))
		for _, q := range a.byQ {
			n += int64(cap(q.items)) * int64(unsafe.Sizeof(itemAcc{}))
		}
	}
	return n
}

// groupFineByMonth groups the units' data of from to to by the fine
// kinds into dst, as groupFine does, adding up the kept groups of the
// period's whole months and keeping those it groups anew. r.mu is held.
func (r *Rollup) groupFineByMonth(units []string, from, to hailong.Date, f *Filter, m matcher, kinds []byte, items bool, dst []*grouper) {
	first, last := monthKey(from), monthKey(to)
	if monthStart(first) != from {
		first++
	}
	if monthStart(last+1)-1 != to {
		last--
	}
	if len(m.fine()) > 0 || first > last || r.monthGroups.limit.Load() == 0 {
		r.groupFine(units, from, to, m, kinds, items, dst, nil)
		return
	}
	var sc groupScratch
	if from < monthStart(first) {
		r.groupFine(units, from, monthStart(first)-1, m, kinds, items, dst, &sc)
	}
	if end := monthStart(last + 1); to >= end {
		r.groupFine(units, end, to, m, kinds, items, dst, &sc)
	}
	// Only the months holding data are grouped and kept: a month with no
	// cells in memory groups nothing, and a long period (a custom one may
	// span twenty years) would otherwise group and keep each empty month.
	var months []int32
	for month := range r.stats {
		if mk := int32(month); mk >= first && mk <= last {
			months = append(months, mk)
		}
	}
	slices.Sort(months)
	key := monthGroupKey{units: unitsKey(units), f: *f, kinds: string(kinds), items: items}
	kept := make([][]keptGroup, len(months))
	var missing []int32
	for i, mk := range months {
		key.month = mk
		if k, ok := r.monthGroups.get(key, r.gens[Month(mk)]); ok {
			kept[i] = k
		} else {
			missing = append(missing, mk)
		}
	}
	// A grouping missing several months (the first after a start) answers
	// in one pass over its whole months, as when nothing was kept, and
	// they are grouped and kept behind it: grouping them one by one costs
	// more than the pass, which the request would otherwise wait for.
	if len(missing) >= fillBehind {
		r.groupFine(units, monthStart(first), monthStart(last+1)-1, m, kinds, items, dst, &sc)
		r.fillBehind(units, key, m, kinds, items, missing)
		return
	}
	for i, mk := range months {
		if kept[i] == nil {
			key.month = mk
			kept[i] = r.groupMonth(units, key, m, kinds, items, &sc)
		}
		for j := range kept[i] {
			kept[i][j].addTo(dst[j])
		}
	}
}

// unitsKey names the units, in order, each preceded by its length: no two
// lists of units share a name, whatever bytes the units' names hold (a
// list joined by NUL names both "A", "B" and "A\x00B", and both none and
// "").
func unitsKey(units []string) string {
	var b []byte
	for _, u := range units {
		b = binary.AppendUvarint(b, uint64(len(u)))
		b = append(b, u...)
	}
	return string(b)
}

// groupMonth groups the units' data of the month of key by the fine kinds,
// keeps the groups at the month's generation and returns them. r.mu is
// held.
func (r *Rollup) groupMonth(units []string, key monthGroupKey, m matcher, kinds []byte, items bool, sc *groupScratch) []keptGroup {
	fresh := sc.groupers(r, scratchKey{'m', 0}, len(kinds), items)
	r.groupFine(units, monthStart(key.month), monthStart(key.month+1)-1, m, kinds, items, fresh, sc)
	kept := make([]keptGroup, len(kinds))
	for i, g := range fresh {
		kept[i] = keep(g)
	}
	r.monthGroups.put(key, r.gens[Month(key.month)], kept)
	return kept
}

// fillBehind groups and keeps the missing months of a grouping on a
// goroutine of its own, one month under the read lock at a time, so that
// writers wait no longer than for a query; one fill per grouping at once.
// A month changed, kept or dropped from memory meanwhile is left to the
// next query.
func (r *Rollup) fillBehind(units []string, key monthGroupKey, m matcher, kinds []byte, items bool, missing []int32) {
	c := r.monthGroups
	key.month = 0
	c.mu.Lock()
	if c.filling[key] || len(c.filling) >= maxFills {
		c.mu.Unlock()
		return // the next query of the grouping tries again
	}
	c.filling[key] = true
	c.fills.Add(1)
	c.mu.Unlock()
	units, kinds, missing = slices.Clone(units), slices.Clone(kinds), slices.Clone(missing)
	go func() {
		defer c.fills.Done()
		// Behind the query: its page's other work, and its next queries,
		// are done in the meantime rather than sharing the processors.
		time.Sleep(time.Duration(c.delay.Load()))
		c.filler.Lock()
		defer c.filler.Unlock()
		var sc groupScratch
		for _, mk := range missing {
			k := key
			k.month = mk
			r.mu.RLock()
			if _, in := r.stats[Month(mk)]; in && !c.has(k, r.gens[Month(mk)]) {
				r.groupMonth(units, k, m, kinds, items, &sc)
			}
			r.mu.RUnlock()
		}
		c.mu.Lock()
		delete(c.filling, key)
		c.mu.Unlock()
	}()
}

// has reports whether the groups of k at generation gen are kept, without
// counting a use.
func (c *monthGroups) has(k monthGroupKey, gen uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	return ok && e.gen == gen
}
