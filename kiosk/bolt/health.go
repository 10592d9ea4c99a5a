package bolt

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// MinFree is the room (free space on the outbox's file system, plus pages
// freed inside the file) below which the outbox records no new rating. It
// is kept for settling and pruning: those write too (bbolt copies the pages
// it changes), and a disk filled to the last byte by new ratings could never
// be emptied by uploading them. A rating's commit writes a handful of 4 KiB
// pages; a batch settled, a few dozen.
const MinFree = 128 << 10

// ErrDiskFull is returned by Record, and by Writable, when the room left is
// under MinFree.
var ErrDiskFull = errors.New("disk full")

// room checks the room left for new ratings. Pages freed inside the file
// (pruned ratings) are reused before the file grows, so they count. It is
// called outside transactions: bbolt's count of free pages is the one left
// by the last write transaction, including pages it freed.
func (o *Outbox) room() error {
	// Info reads the memory map, which a write transaction may replace:
	// only an open transaction holds it in place.
	var pageSize int64
	if err := o.view(func(tx *bolt.Tx) error { pageSize = int64(tx.DB().Info().PageSize); return nil }); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	o.mu.RLock()
	st := o.db.Stats()
	o.mu.RUnlock()
	// Pages pending release are not counted: an open read transaction
	// (an upload reading the queue) keeps them from reuse.
	inFile := int64(st.FreePageN) * pageSize
	if free := freeSpace(o.path); free >= 0 && free+inFile < MinFree {
		return fmt.Errorf("%w: %d bytes free on the outbox's file system and %d inside the file, %d kept for uploads", ErrDiskFull, free, inFile, MinFree)
	}
	return nil
}

// probeEvery limits the probe writes Writable makes while the store is
// failing, so a health check polled often does not fsync each time.
const probeEvery = time.Second

// Writable returns why the outbox cannot durably record a rating now, or
// nil. It costs no write while the last write succeeded: it reads the free
// space of the file system and whether a transaction opens. After a write
// failed for want of space, it answers no until a later write succeeds;
// after any other failed write it tries a small write of its own (at most
// once a second) to see whether the failure has passed.
func (o *Outbox) Writable() error {
	if err := o.view(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if err := o.room(); err != nil {
		return err
	}
	err := o.storeErr()
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrDiskFull) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, berrors.ErrMaxSizeReached) {
		// A small probe might fit where a rating did not: only the next
		// real write (a rating, an upload's settlement, pruning) clears it.
		return fmt.Errorf("outbox: last write failed: %w", err)
	}
	o.errMu.Lock()
	due := time.Since(o.lastProbe) >= probeEvery
	if due {
		o.lastProbe = time.Now()
	}
	o.errMu.Unlock()
	if !due {
		return fmt.Errorf("outbox: last write failed: %w", err)
	}
	if err := o.update(func(tx *bolt.Tx) error { return putTime(tx, keyProbe, time.Now()) }); err != nil {
		return fmt.Errorf("outbox: write failed: %w", err)
	}
	return nil
}
