package alerts_test

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/alerts"
	"hailong/aggregator/fleet"
	"hailong/aggregator/ingest"
	"hailong/aggregator/rollup"
	"hailong/assets"
	"hailong/hierarchy"
)

// memStore keeps rules and alerts in memory, as the database would.
type memStore struct {
	mu       sync.Mutex
	rules    map[string]hailong.AlertRule
	alerts   map[string]hailong.Alert
	defaults bool
}

func newMemStore() *memStore {
	return &memStore{rules: map[string]hailong.AlertRule{}, alerts: map[string]hailong.Alert{}}
}

func (m *memStore) AlertRules(context.Context) ([]hailong.AlertRule, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(m.rules)), nil
}

func (m *memStore) SaveAlertRule(_ context.Context, r hailong.AlertRule) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rules[r.ID] = r
	return nil
}

func (m *memStore) DeleteAlertRule(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rules, id)
	return nil
}

func (m *memStore) AlertDefaultsCreated(context.Context) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.defaults, nil
}

func (m *memStore) MarkAlertDefaultsCreated(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.defaults = true
	return nil
}

func (m *memStore) Alerts(_ context.Context, open bool) ([]hailong.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []hailong.Alert
	for _, a := range m.alerts {
		if !open || a.State != hailong.AlertClosed {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memStore) SaveAlert(_ context.Context, a hailong.Alert) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.alerts[a.ID] = a
	return nil
}

// recorder keeps the events published.
type recorder struct {
	mu     sync.Mutex
	events []hailong.Event
}

func (r *recorder) Publish(_ context.Context, events ...hailong.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
}

// opened returns the units of the alert.opened events, in order.
func (r *recorder) opened() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Type == hailong.EventAlertOpened {
			out = append(out, e.Unit)
		}
	}
	return out
}

// The units of the tests: province 24, communes 09190 and 09200, and
// their centres, where ratings are given.
const (
	province = "24"
	centreA  = "TT-09190"
	centreB  = "TT-09200"
)

func testTree(t *testing.T) *hierarchy.Tree {
	t.Helper()
	from := hailong.DateFromYMD(1999, 1, 1)
	tree, err := hierarchy.New([]hierarchy.Unit{
		{Code: province, Name: "Tỉnh Bắc Ninh", Kind: hierarchy.Province, From: from},
		{Code: "09190", Name: "Phường Kinh Bắc", Kind: hierarchy.Commune, Parent: province, From: from},
		{Code: "09200", Name: "Xã Lạng Giang", Kind: hierarchy.Commune, Parent: province, From: from},
		{Code: centreA, Name: "TTPVHCC Kinh Bắc", Kind: hierarchy.Centre, Parent: "09190", From: from},
		{Code: centreB, Name: "TTPVHCC Lạng Giang", Kind: hierarchy.Centre, Parent: "09200", From: from},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func testCatalog(t testing.TB) *hailong.Catalog {
	t.Helper()
	c, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// harness is an engine on an in-memory store and rollup.
type harness struct {
	t       *testing.T
	engine  *alerts.Engine
	store   *memStore
	rollup  *rollup.Rollup
	catalog *hailong.Catalog
	events  *recorder
	fleet   []fleet.Report
	kiosks  []hailong.Enrolment
	fleetMu sync.Mutex
}

// newHarness starts an engine with the given rules only (no defaults),
// stopped when the test ends.
func newHarness(t *testing.T, rules ...hailong.AlertRule) *harness {
	t.Helper()
	h := &harness{t: t, store: newMemStore(), rollup: rollup.New(), catalog: testCatalog(t), events: &recorder{}}
	h.store.defaults = true
	for _, r := range rules {
		r.Enabled = true
		h.store.rules[r.ID] = r
	}
	h.start()
	return h
}

// start makes and starts a new engine on the harness's store, as after a
// restart.
func (h *harness) start() {
	h.t.Helper()
	tree := testTree(h.t)
	h.engine = alerts.New(alerts.Config{Store: h.store, Catalog: h.catalog, Rollup: func() *rollup.Rollup { return h.rollup },
		Units: func() *hierarchy.Tree { return tree }, Publisher: h.events, Logger: slog.New(slog.DiscardHandler),
		Fleet: func() []fleet.Report {
			h.fleetMu.Lock()
			defer h.fleetMu.Unlock()
			return slices.Clone(h.fleet)
		},
		Kiosks: func(context.Context) ([]hailong.Enrolment, error) {
			h.fleetMu.Lock()
			defer h.fleetMu.Unlock()
			return slices.Clone(h.kiosks), nil
		}})
	if err := h.engine.Load(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.engine.Start(context.Background())
	h.t.Cleanup(h.engine.Stop)
}

// rating is one counter rating: the overall answer (1 not satisfied, 2
// satisfied, 3 very satisfied) and Circular 01 index 7's attitude (2, 1,
// or 0 for harassment; -1 unanswered).
type rating struct {
	unit              string
	overall, attitude int
}

// rate stores a rating in the rollup and tells the engine, as the
// ingester does.
func (h *harness) rate(r rating) {
	h.t.Helper()
	answers := hailong.Answers{"overall": hailong.Int(r.overall)}
	if r.attitude >= 0 {
		answers["attitude"] = hailong.Int(r.attitude)
	}
	rt := &hailong.Rating{ID: time.Now().String(), Unit: r.unit, Channel: hailong.ChannelKiosk, At: time.Now(),
		Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1, Answers: answers}}
	q, _ := h.catalog.Latest("counter-quick")
	fact, ok := rollup.FactOf(rt, q)
	if !ok {
		h.t.Fatal("no fact")
	}
	h.rollup.Add(fact)
	h.engine.Observe([]ingest.Stored{{Rating: rt, Fact: fact}})
}
