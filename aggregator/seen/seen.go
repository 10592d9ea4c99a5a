// Package seen is the aggregator's memory of the ratings it has stored: it
// tells whether a rating id is stored, with which content digest, when it
// was received and (for a dossier's rating) when it was given, so that a
// kiosk re-sending a batch, even a year old, is answered duplicate or
// conflict without reading the ratings collection. On FerretDB every look-up
// by _id scans that collection (87 s at a million ratings); here a look-up
// is a map read or a B-tree read on local disk.
//
// It has three layers, asked in turn:
//
//   - recent: the last ratings stored or looked up, in memory, first in
//     first out (a fixed number, whatever the history);
//   - the durable index (Index, on bbolt in aggregator/bolt): every stored
//     rating's id, digest, time of receipt and dossier time, on the
//     aggregator's local disk;
//   - the database: a rating neither layer holds goes into the insert
//     batch; the insert reports it as a duplicate key and Receipts asks the
//     database (a scan on FerretDB), writing what it learns into the index.
//
// # Why a hit can be trusted and a miss cannot
//
// An entry is written only AFTER the database has stored its rating (the
// insert returned without error, or the database itself told the digest),
// and ratings are never changed or deleted. So a hit is authoritative: the
// same digest is a duplicate, another is a conflict. A miss proves nothing:
// the process may have crashed between the insert and the index write, an
// insert may have failed after storing, or the index may be new. A miss
// therefore goes to InsertRatings as if the memory did not exist, and the
// database's unique _id decides. Exactly once never rests on the index;
// only the cost of a re-sent rating does.
//
// The index is bound to one database: it records the database's identity
// (Index.Open's caller checks it), and an index of another database is
// started afresh. A database restored from a backup keeps its identity but
// lacks ratings the index holds: delete the index file after a restore (the
// `rebuild` command does).
//
// # Complete up to a point
//
// The index holds a marker once a fill from a full scan of the stored
// ratings (Database.ScanDigests) has finished; from then on every insert
// adds to it, so it holds every stored rating but those of inserts cut
// short by a crash between the insert and the index write, or whose write
// failed (a failed write clears the marker). Without the marker (a new
// machine, a standby taking over with no file, a file set aside as
// corrupt), Start fills it in the background while misses fall back to the
// database as before; nothing waits for the fill.
//
// # Writing behind
//
// An entry goes into the recent layer at once and into the index behind
// the insert: one writer takes every entry waiting and writes them in one
// bbolt transaction, synced (an fsync of about 5 ms here, whatever the
// number of entries), at most every writePause (100 ms) while ratings
// flow: the answer to an upload never waits for the disk, many uploads
// share an fsync, and the index takes little of the disk from the
// database. An entry lost in a crash before its write (at most the last
// 100 ms of inserts) is a miss like any other, answered by the database.
// At most maxPending entries wait; beyond that Stored waits for the
// writer.
//
// # Cost
//
// Measured in docs/BENCHMARKS.md ("Duplicates of any age"), on 2 shared
// cores:
//
//   - disk: 81 bytes per stored rating (a 16-byte key for a UUID id, a
//     32-byte digest and two varint times, with bbolt's 16-byte element
//     header, in pages filled by keys in time order): 81 MB a million,
//     8.1 GB for 100 million;
//   - look-up: the whole upload of one year-old duplicate through
//     Ingester.Ingest takes 5.5 µs at p50 and 12 µs at p95 with a million
//     ratings, 6.3 and 14 µs with ten million; with the file's pages
//     dropped from the kernel's cache first, 0.3 and 1.2 ms, 0.5 and 4.1
//     ms;
//   - writing: one synced transaction per 100 ms while ratings flow
//     (about 5 ms for a few thousand entries), off the answer's path:
//     ingest runs at 84–108% (median 94%) of its rate without the index,
//     within the spread of the shared machine;
//   - memory: none per stored rating. The recent layer is a fixed number
//     of entries (about 180 bytes each with their ids; 65,536 by default
//     with an index, 12 MB, where the memory alone kept a million, 180
//     MB) and bbolt maps the file, so the kernel keeps the pages read
//     often and may drop the others.
//
// # A standby without the file
//
// A machine taking over a database it has no index of starts with an
// empty index, answers every re-sent rating correctly from the database
// (one scan each on FerretDB, an _id look-up on MongoDB) and fills the
// index in the background from one scan of the ratings (on FerretDB here
// about 1,800 ratings a second: 9 minutes a million); once the fill is
// done re-sent ratings cost microseconds again. A copy of the owner's file
// spares the fill. A file the machine kept from an earlier turn as owner
// lacks what the other stored since: each start records a token in the
// database and in the file (aggregator/app), and a file whose token is not
// the database's loses its mark and is filled again (its entries stay
// true: ratings are never changed or deleted).
package seen

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"hailong/qrtoken"
)

// Entry is what is known of one stored rating.
type Entry struct {
	ID     string
	Digest [32]byte
	// Received is the time of receipt the rating was stored under (as
	// given to InsertRatings), which tells which insert stored it; zero
	// when not known (an entry filled from a scan).
	Received time.Time
	// At is when a dossier's rating (qrtoken.IsRatingID) was given, for
	// "already rated at" answers; zero for other ratings.
	At time.Time
}

// Index is the durable index of stored ratings.
type Index interface {
	// Get returns the entry of id, if the index holds it.
	Get(id string) (Entry, bool, error)
	// Put writes entries durably (fsync) in one transaction. An entry
	// without a time of receipt does not replace one with it.
	Put(es []Entry) error
	// Complete reports whether the index is marked as holding every
	// stored rating; SetComplete sets or clears the mark.
	Complete() (bool, error)
	SetComplete(bool) error
}

// Database is what the memory needs of the database: the fallback for ids
// neither layer holds, and the scan that fills an incomplete index.
type Database interface {
	// Receipts tells the stored digest, time of receipt and time of the
	// stored ratings among ids.
	Receipts(ctx context.Context, ids []string, fn func(id string, digest [32]byte, received, at time.Time)) error
	// ScanDigests tells the id, digest and time of every stored rating.
	ScanDigests(ctx context.Context, fn func(id string, digest [32]byte, at time.Time)) error
}

// Config configures a Memory.
type Config struct {
	Database Database
	// Index is the durable index; nil keeps the recent layer alone, warmed
	// from a scan of the stored ratings at every start.
	Index Index
	// Remember is how many recent ratings the in-memory layer keeps.
	Remember int
	Logger   *slog.Logger
}

// fillChunk is how many scanned entries go into one write transaction
// of a fill: large enough that the fsync is paid rarely, small enough that
// live inserts' writes wait little for it.
const fillChunk = 20_000

// Memory is the duplicate memory: the recent layer, the durable index and
// the fallback to the database.
type Memory struct {
	db     Database
	index  Index
	log    *slog.Logger
	recent *recent
	// broken is set when the index failed: it is not asked again in this
	// run, and the next start fills it afresh.
	broken atomic.Bool

	fillMu     sync.Mutex
	fillCancel context.CancelFunc
	filled     chan struct{}

	// The index is written behind the inserts, by one writer: an insert's
	// answer does not wait for an fsync of the index, and the inserts of
	// many uploads share one. wmu guards what follows; wcond tells the
	// writer of new entries, and the waiters that they are written.
	wmu      sync.Mutex
	wcond    *sync.Cond
	pending  []Entry
	inFlight bool
	running  bool // the writer runs: Stored queues
	stopping bool
	wdone    chan struct{}
}

// maxPending bounds the entries waiting for the writer: beyond it Stored
// waits, so a slow disk slows ingest rather than growing the memory.
const maxPending = 50_000

// writePause is the least time between two writes of the index while
// ratings flow: at most ten fsyncs a second, whatever the ingest rate.
const writePause = 100 * time.Millisecond

// New returns a memory; call Start before use, and Stop at the end.
func New(cfg Config) *Memory {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Remember <= 0 {
		cfg.Remember = 1 << 16
	}
	m := &Memory{db: cfg.Database, index: cfg.Index, log: cfg.Logger, recent: newRecent(cfg.Remember), filled: make(chan struct{})}
	m.wcond = sync.NewCond(&m.wmu)
	return m
}

// Start fills the durable index in the background if it is not complete,
// or, without one, the recent layer from a scan of the stored ratings
// unless a rebuild's scan filled it already (Remember). Filled tells when
// that is done.
func (m *Memory) Start() {
	m.fillMu.Lock()
	defer m.fillMu.Unlock()
	if m.fillCancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.fillCancel = cancel
	if m.index != nil {
		m.wmu.Lock()
		m.running, m.wdone = true, make(chan struct{})
		m.wmu.Unlock()
		go m.write()
	}
	if m.index != nil {
		complete, err := m.index.Complete()
		if err != nil {
			m.fail("read the index's mark", err)
		}
		if err == nil && complete {
			close(m.filled)
			return
		}
	} else if m.recent.size() > 0 {
		close(m.filled) // filled by a rebuild's scan
		return
	}
	go func() {
		defer close(m.filled)
		if err := m.fill(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("fill the duplicate memory from the stored ratings; re-sent ratings are looked up in the database meanwhile", "err", err)
		}
	}()
}

// Filled is closed once Start's fill is done, cut short or not needed.
func (m *Memory) Filled() <-chan struct{} { return m.filled }

// Stop stops a fill under way and waits for it, and writes what waits to
// be written to the index. Entries stored after it are written at once.
func (m *Memory) Stop() {
	m.fillMu.Lock()
	cancel := m.fillCancel
	m.fillMu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-m.filled
	m.wmu.Lock()
	running, done := m.running, m.wdone
	m.stopping = true
	m.wcond.Broadcast()
	m.wmu.Unlock()
	if running {
		<-done
	}
}

// Flush waits until the entries stored so far are written to the index.
func (m *Memory) Flush() {
	m.wmu.Lock()
	defer m.wmu.Unlock()
	for m.running && (len(m.pending) > 0 || m.inFlight) {
		m.wcond.Wait()
	}
}

// write writes queued entries to the index, all that wait in one
// transaction, until Stop.
func (m *Memory) write() {
	defer close(m.wdone)
	m.wmu.Lock()
	for {
		for len(m.pending) == 0 && !m.stopping {
			m.wcond.Wait()
		}
		if len(m.pending) == 0 {
			m.running = false
			m.wcond.Broadcast()
			m.wmu.Unlock()
			return
		}
		es := m.pending
		m.pending, m.inFlight = nil, true
		m.wmu.Unlock()
		m.put(es)
		m.wmu.Lock()
		m.inFlight = false
		m.wcond.Broadcast()
		if !m.stopping && len(m.pending) < maxPending/2 {
			// Let entries gather: fewer fsyncs, each shared by more
			// inserts, and less of the disk taken from the database's.
			m.wmu.Unlock()
			time.Sleep(writePause)
			m.wmu.Lock()
		}
	}
}

// put writes entries to the index now.
func (m *Memory) put(es []Entry) {
	if m.broken.Load() {
		return
	}
	if err := m.index.Put(es); err != nil {
		m.fail("write the rating index", err)
	}
}

// fill reads every stored rating's digest into the index, or into the
// recent layer without one, and marks the index complete.
func (m *Memory) fill(ctx context.Context) error {
	t0, n := time.Now(), 0
	useIndex := m.index != nil && !m.broken.Load()
	var chunk []Entry
	flush := func() error {
		if len(chunk) == 0 || !useIndex {
			return nil
		}
		err := m.index.Put(chunk)
		chunk = chunk[:0]
		return err
	}
	var werr error
	err := m.db.ScanDigests(ctx, func(id string, d [32]byte, at time.Time) {
		n++
		if !useIndex {
			m.recent.put(id, d, dossierTime(id, at))
			return
		}
		if werr != nil {
			return
		}
		chunk = append(chunk, Entry{ID: id, Digest: d, At: dossierTime(id, at)})
		if len(chunk) == fillChunk {
			werr = flush()
		}
	})
	if err == nil {
		err = werr
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	if useIndex {
		if err := m.index.SetComplete(true); err != nil {
			m.fail("mark the index complete", err)
			return nil
		}
		m.log.Info("rating index filled from the stored ratings", "ratings", n, "took", time.Since(t0).Round(time.Millisecond))
	} else {
		m.log.Info("rating digests warmed", "ratings", n, "took", time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// Get returns the digest of a stored rating, from the recent layer or the
// index; false means only that neither holds it.
func (m *Memory) Get(id string) ([32]byte, bool) {
	if d, ok := m.recent.get(id); ok {
		return d, true
	}
	e, ok := m.fromIndex(id)
	return e.Digest, ok
}

// Known reports whether the rating id is known to be stored and, for a
// dossier's rating, when it was given (the zero time when not known).
// false does not mean it is not stored.
func (m *Memory) Known(id string) (time.Time, bool) {
	at, ok := m.recent.known(id)
	if ok && (!at.IsZero() || !qrtoken.IsRatingID(id)) {
		return at, true
	}
	if e, found := m.fromIndex(id); found {
		return e.At, true
	}
	return at, ok
}

func (m *Memory) fromIndex(id string) (Entry, bool) {
	if m.index == nil || m.broken.Load() {
		return Entry{}, false
	}
	e, ok, err := m.index.Get(id)
	if err != nil {
		m.fail("read the rating index", err)
		return Entry{}, false
	}
	return e, ok
}

// Remember keeps a rating in the recent layer only: a rating the caller
// read from the database, that the index holds or will hold after a fill.
func (m *Memory) Remember(id string, d [32]byte, at time.Time) {
	m.recent.put(id, d, dossierTime(id, at))
}

// Stored records ratings the database has just stored (the insert
// returned without error) or told: at once in the recent layer, and
// behind, in the index, in one durable write with those of other inserts
// (at once before Start and after Stop). A failed write is logged and the
// index marked incomplete: a rating it lacks is found in the database.
func (m *Memory) Stored(es []Entry) {
	for i := range es {
		es[i].At = dossierTime(es[i].ID, es[i].At)
		m.recent.put(es[i].ID, es[i].Digest, es[i].At)
	}
	if m.index == nil || m.broken.Load() || len(es) == 0 {
		return
	}
	m.wmu.Lock()
	if !m.running || m.stopping {
		m.wmu.Unlock()
		m.put(es)
		return
	}
	for len(m.pending) >= maxPending && m.running {
		m.wcond.Wait()
	}
	m.pending = append(m.pending, es...)
	m.wcond.Broadcast()
	m.wmu.Unlock()
}

// Receipts tells the digest and time of receipt of the stored ratings among
// ids: from the index where it holds them with their time of receipt, else
// from the database, whose answers are then written to the index. Ids not
// stored are left out.
func (m *Memory) Receipts(ctx context.Context, ids []string, fn func(id string, digest [32]byte, received, at time.Time)) error {
	var ask []string
	for _, id := range ids {
		if e, ok := m.fromIndex(id); ok && !e.Received.IsZero() {
			m.recent.put(id, e.Digest, e.At)
			fn(id, e.Digest, e.Received, e.At)
			continue
		}
		ask = append(ask, id)
	}
	if len(ask) == 0 {
		return nil
	}
	var told []Entry
	err := m.db.Receipts(ctx, ask, func(id string, d [32]byte, received, at time.Time) {
		told = append(told, Entry{ID: id, Digest: d, Received: received, At: at})
		fn(id, d, received, at)
	})
	m.Stored(told) // what the database told is stored, even if it failed later
	return err
}

// fail stops using the index for this run and clears its mark, so that
// the next start fills it afresh.
func (m *Memory) fail(what string, err error) {
	if m.broken.Swap(true) {
		return
	}
	m.log.Error(what+"; re-sent ratings are looked up in the database until the index is filled again at the next start", "err", err)
	if cerr := m.index.SetComplete(false); cerr != nil {
		m.log.Error("clear the rating index's mark", "err", cerr)
	}
}

// dossierTime keeps the time of a dossier's rating only: the only ones
// asked when they were given, and keeping the others would cost memory.
func dossierTime(id string, at time.Time) time.Time {
	if at.IsZero() || !qrtoken.IsRatingID(id) {
		return time.Time{}
	}
	return at.UTC().Truncate(time.Millisecond)
}
