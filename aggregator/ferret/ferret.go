// Package ferret runs the embedded database: FerretDB v1.24 with its SQLite
// backend, in-process on a loopback port, so that the aggregator runs with no
// database server and the same driver code as against MongoDB.
package ferret

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/gofrs/flock"
)

// Embedded is a running FerretDB.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	lock   *flock.Flock
}

// ErrInUse is returned by Start when another process holds the directory:
// usually the running aggregator.
var ErrInUse = errors.New("the embedded database admits one process at a time")

// newMu makes one FerretDB at a time, so that several aggregators may
// start side by side in one process (the tests of the national view do).
var newMu sync.Mutex

// Start runs FerretDB on the SQLite files in dir. Only one process may use a
// directory: a second one is refused rather than corrupting the files.
func Start(ctx context.Context, dir string, log *slog.Logger) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("database directory: %w", err)
	}
	lock := flock.New(filepath.Join(dir, "hailong.lock"))
	locked, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock database directory: %w", err)
	}
	if !locked {
		return nil, fmt.Errorf("database directory %s is in use by another aggregator: %w", dir, ErrInUse)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	newMu.Lock() // ferretdb.New writes a package-level field (the version's package name)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: abs + "/"}).String(),
		Logger:    slog.New(errorsOnly{log.With("component", "ferretdb").Handler()}),
	})
	newMu.Unlock()
	if err != nil {
		lock.Unlock()
		return nil, fmt.Errorf("start FerretDB: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &Embedded{cancel: cancel, done: make(chan struct{}), lock: lock}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx)
	}()
	// MongoDBURI blocks until the listener is up.
	uriCh := make(chan string, 1)
	go func() { uriCh <- f.MongoDBURI() }()
	select {
	case e.uri = <-uriCh:
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, fmt.Errorf("FerretDB did not start listening")
	}
	return e, nil
}

// URI returns the MongoDB URI to connect to.
func (e *Embedded) URI() string { return e.uri }

// Close stops FerretDB and releases the directory.
func (e *Embedded) Close() error {
	e.cancel()
	<-e.done
	return e.lock.Unlock()
}

// errorsOnly passes on errors alone: FerretDB warns at length about commands
// it lacks that the driver sends routinely (endSessions on disconnect).
type errorsOnly struct{ slog.Handler }

func (h errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && h.Handler.Enabled(ctx, l)
}

func (h errorsOnly) WithAttrs(as []slog.Attr) slog.Handler {
	return errorsOnly{h.Handler.WithAttrs(as)}
}

func (h errorsOnly) WithGroup(name string) slog.Handler { return errorsOnly{h.Handler.WithGroup(name)} }
