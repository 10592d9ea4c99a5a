package bolt

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// MinFree is the free space on the outbox's file system below which the
// node says it cannot durably record: one rating's commit writes a handful
// of 4 KiB pages, and more when bbolt grows the file.
const MinFree = 64 << 10

// probeEvery limits the probe writes Writable makes while the store is
// failing, so a health check polled often does not fsync each time.
const probeEvery = time.Second

// Writable returns why the outbox cannot durably record a rating now, or
// nil. It costs no write while the last write succeeded: it reads the free
// space of the file system and whether a transaction opens. After a failed
// write it tries a small write of its own (at most once a second) to see
// whether the failure has passed.
func (o *Outbox) Writable() error {
	if free := freeSpace(o.path); free >= 0 && free < MinFree {
		return fmt.Errorf("disk full: %d bytes free on the outbox's file system, %d needed", free, MinFree)
	}
	if err := o.view(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	err := o.storeErr()
	if err == nil {
		return nil
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
