package seen_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/seen"
	"hailong/qrtoken"
)

// mapIndex is an index in a map, whose reads and writes fail on demand.
type mapIndex struct {
	mu       sync.Mutex
	m        map[string]seen.Entry
	complete bool
	failGet  bool
	failPut  bool
}

func (x *mapIndex) Get(id string) (seen.Entry, bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.failGet {
		return seen.Entry{}, false, errors.New("injected: damaged page")
	}
	e, ok := x.m[id]
	return e, ok, nil
}

func (x *mapIndex) Put(es []seen.Entry) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.failPut {
		return errors.New("injected: disk full")
	}
	for _, e := range es {
		x.m[e.ID] = e
	}
	return nil
}

func (x *mapIndex) Complete() (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.complete, nil
}

func (x *mapIndex) SetComplete(c bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.complete = c
	return nil
}

// noDatabase fails every look-up: only the memory may answer.
type noDatabase struct{}

func (noDatabase) Receipts(context.Context, []string, func(string, [32]byte, time.Time, time.Time)) error {
	return errors.New("the database was asked")
}

func (noDatabase) ScanDigests(context.Context, func(string, [32]byte, time.Time)) error {
	return errors.New("the database was scanned")
}

func TestMemory(t *testing.T) {
	at := time.Date(2025, 11, 30, 7, 5, 0, 0, time.UTC)
	dossier := qrtoken.DossierRatingID("TT-1", "H1")
	plain := hailong.NewID()
	start := func(t *testing.T) (*seen.Memory, *mapIndex) {
		t.Helper()
		idx := &mapIndex{m: map[string]seen.Entry{}, complete: true}
		m := seen.New(seen.Config{Database: noDatabase{}, Index: idx, Remember: 1})
		m.Start()
		<-m.Filled()
		t.Cleanup(m.Stop)
		m.Stored([]seen.Entry{{ID: dossier, Digest: [32]byte{1}, Received: at, At: at}, {ID: plain, Digest: [32]byte{2}, Received: at, At: at}})
		m.Flush()
		m.Stored([]seen.Entry{{ID: hailong.NewID(), Received: at}}) // both leave the recent layer
		m.Flush()
		return m, idx
	}
	t.Run("the index answers what the recent layer forgot", func(t *testing.T) {
		m, _ := start(t)
		if d, ok := m.Get(plain); !ok || d != [32]byte{2} {
			t.Errorf("Get: %x %v", d, ok)
		}
		if got, ok := m.Known(dossier); !ok || !got.Equal(at) {
			t.Errorf("Known of a dossier's rating: %v %v, want %v", got, ok, at)
		}
		if got, ok := m.Known(plain); !ok || !got.IsZero() {
			t.Errorf("Known of another rating: %v %v, want known without a time", got, ok)
		}
		var told []string
		if err := m.Receipts(context.Background(), []string{plain}, func(id string, _ [32]byte, received, _ time.Time) {
			if received.Equal(at) {
				told = append(told, id)
			}
		}); err != nil || len(told) != 1 {
			t.Errorf("Receipts: %v %v", told, err)
		}
	})
	t.Run("a failing index is left for the database and marked incomplete", func(t *testing.T) {
		m, idx := start(t)
		idx.failGet = true
		if _, ok := m.Get(plain); ok {
			t.Error("found in a failing index")
		}
		idx.failGet = false
		if _, ok := m.Get(plain); ok {
			t.Error("the index is asked again in the same run")
		}
		if c, _ := idx.Complete(); c {
			t.Error("still marked complete")
		}
	})
	t.Run("a failed write marks the index incomplete", func(t *testing.T) {
		m, idx := start(t)
		idx.failPut = true
		m.Stored([]seen.Entry{{ID: hailong.NewID(), Received: at}})
		m.Flush()
		if c, _ := idx.Complete(); c {
			t.Error("still marked complete")
		}
	})
	t.Run("stop writes what waits", func(t *testing.T) {
		idx := &mapIndex{m: map[string]seen.Entry{}, complete: true}
		m := seen.New(seen.Config{Database: noDatabase{}, Index: idx})
		m.Start()
		var ids []string
		for range 100 {
			id := hailong.NewID()
			ids = append(ids, id)
			m.Stored([]seen.Entry{{ID: id, Received: at}})
		}
		m.Stop()
		for _, id := range ids {
			if _, ok, _ := idx.Get(id); !ok {
				t.Fatalf("%s not written at Stop", id)
			}
		}
		after := hailong.NewID()
		m.Stored([]seen.Entry{{ID: after, Received: at}})
		if _, ok, _ := idx.Get(after); !ok {
			t.Fatal("an entry stored after Stop is not written at once")
		}
	})
}
