package app

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"hailong"
	"hailong/kiosk/configcache"
	"hailong/syncapi"
)

// questionnaires holds the catalog the node offers: the one the aggregator
// last published, cached on disk, or the embedded one until the node has
// reached the aggregator once. Ratings are recorded only in versions of the
// catalog in force, so an aggregator that published it knows them.
type questionnaires struct {
	log      *slog.Logger
	path     string // the configuration cache
	embedded *hailong.Catalog
	offered  []string
	current  atomic.Pointer[hailong.Catalog]

	mu       sync.Mutex
	problems []string
}

func newQuestionnaires(log *slog.Logger, dataDir string, embedded *hailong.Catalog, offered []string) *questionnaires {
	q := &questionnaires{log: log, path: filepath.Join(dataDir, configcache.Name), embedded: embedded, offered: offered}
	q.current.Store(embedded)
	return q
}

// Catalog returns the catalog in force.
func (q *questionnaires) Catalog() *hailong.Catalog { return q.current.Load() }

// Problems lists what is wrong with the catalog in force.
func (q *questionnaires) Problems() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.problems)
}

// loadCache takes the cached configuration at start. A missing cache is a
// first boot; a corrupt one is logged and the embedded catalog serves until
// the aggregator answers: the node never refuses to start over it.
func (q *questionnaires) loadCache() (syncapi.Config, bool) {
	c, err := configcache.Load(q.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		q.log.Info("no published configuration cached yet; offering the embedded questionnaires")
		return syncapi.Config{}, false
	case err != nil:
		q.log.Error("the configuration cache cannot be used; offering the embedded questionnaires until the aggregator answers", "err", err)
		return syncapi.Config{}, false
	}
	if !q.take(c) {
		return syncapi.Config{}, false
	}
	return c, true
}

// publish takes a configuration the aggregator sent: it is cached durably
// and its questionnaires offered.
func (q *questionnaires) publish(c syncapi.Config) {
	if !q.take(c) {
		return
	}
	if err := configcache.Save(q.path, c); err != nil {
		// The node goes on with it; only a restart while the aggregator
		// is unreachable would offer the older copy.
		q.log.Error("caching the published configuration", "err", err)
	}
}

// take makes c's questionnaires the catalog in force, and reports whether
// any of them could be read.
func (q *questionnaires) take(c syncapi.Config) bool {
	catalog, err := hailong.ParseCatalog(c.Questionnaires)
	if catalog == nil {
		q.log.Error("no published questionnaire can be read; keeping the questionnaires in force", "err", err)
		return false
	}
	if err != nil {
		q.log.Warn("some published questionnaires cannot be read; they are not offered", "err", err)
	}
	var problems []string
	for _, id := range q.offered {
		if _, ok := catalog.Latest(id); !ok {
			problems = append(problems, fmt.Sprintf("questionnaire %q is offered here (-questionnaires) but the aggregator does not publish it", id))
		}
	}
	q.mu.Lock()
	changed := !slices.Equal(problems, q.problems)
	q.problems = problems
	q.mu.Unlock()
	if changed {
		for _, p := range problems {
			q.log.Error(p)
		}
	}
	q.current.Store(catalog)
	return true
}

// health is the node's report of itself, less what the uploader adds.
func (m *Main) health(unit string) syncapi.Health {
	h := syncapi.Health{Version: hailong.Version, Unit: unit, FreeDisk: -1}
	st, err := m.outbox.Stats()
	if err != nil {
		h.LastError = fmt.Sprintf("outbox: %v", err)
		return h
	}
	h.Queued, h.Failed, h.Quarantined = st.Queued, st.Failed, st.Quarantined
	h.OldestQueued, h.LastRating = st.OldestQueued, st.LastRating
	h.FailedReasons, h.QuarantineReasons = st.FailedReasons, st.QuarantineReasons
	h.LastError, h.FreeDisk = st.LastError, st.FreeDisk
	if p := m.server.ClockProblem(); p != "" {
		if h.LastError != "" {
			p += "; " + h.LastError
		}
		h.LastError = p
	}
	return h
}

// problems lists what an operator must fix, for the status.
func (m *Main) problems() []string {
	return append(m.uploader.Problems(), m.questionnaires.Problems()...)
}
