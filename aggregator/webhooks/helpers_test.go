package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/webhooks"
)

// memStore keeps the dispatcher's state in memory, for tests whose time is
// synthetic (testing/synctest), where a database over the network cannot
// run.
type memStore struct {
	mu    sync.Mutex
	subs  map[string]webhooks.Subscription
	queue map[int]map[string]webhooks.Batch
	dead  map[string]webhooks.DeadLetter
	logs  map[string]webhooks.Log
}

func newMemStore() *memStore {
	return &memStore{subs: map[string]webhooks.Subscription{}, queue: map[int]map[string]webhooks.Batch{},
		dead: map[string]webhooks.DeadLetter{}, logs: map[string]webhooks.Log{}}
}

// crashed returns a copy of what m holds: the database as a process that
// stopped without Close left it, for another dispatcher to start on.
func (m *memStore) crashed() *memStore {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemStore()
	maps.Copy(c.subs, m.subs)
	for seg, q := range m.queue {
		c.queue[seg] = maps.Clone(q)
	}
	maps.Copy(c.dead, m.dead)
	for id, l := range m.logs {
		l.Entries = slices.Clone(l.Entries)
		c.logs[id] = l
	}
	return c
}

func (m *memStore) WebhookSubscriptions(context.Context) ([]webhooks.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(m.subs)), nil
}
func (m *memStore) PutWebhookSubscription(_ context.Context, s webhooks.Subscription) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subs[s.ID] = s
	return nil
}
func (m *memStore) DeleteWebhookSubscription(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.subs, id)
	return nil
}
func (m *memStore) WebhookQueue(context.Context) ([]webhooks.Batch, []int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []webhooks.Batch
	var segs []int
	for seg, q := range m.queue {
		segs = append(segs, seg)
		out = append(out, slices.Collect(maps.Values(q))...)
	}
	return out, segs, nil
}
func (m *memStore) InsertWebhookBatch(_ context.Context, b webhooks.Batch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b.Deliveries = slices.Clone(b.Deliveries)
	if m.queue[b.Segment] == nil {
		m.queue[b.Segment] = map[string]webhooks.Batch{}
	}
	m.queue[b.Segment][b.ID] = b
	return nil
}
func (m *memStore) ReplaceWebhookBatch(ctx context.Context, b webhooks.Batch) error {
	return m.InsertWebhookBatch(ctx, b)
}
func (m *memStore) DeleteWebhookBatches(_ context.Context, seg int, ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		delete(m.queue[seg], id)
	}
	return nil
}
func (m *memStore) DropWebhookSegment(_ context.Context, seg int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.queue, seg)
	return nil
}
func (m *memStore) WebhookDeadLetters(context.Context) ([]webhooks.DeadLetter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(m.dead)), nil
}
func (m *memStore) InsertWebhookDeadLetter(_ context.Context, l webhooks.DeadLetter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dead[l.ID] = l
	return nil
}
func (m *memStore) DeleteWebhookDeadLetter(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.dead, id)
	return nil
}
func (m *memStore) WebhookLogs(context.Context) ([]webhooks.Log, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []webhooks.Log
	for _, l := range m.logs { // copies, as a database reads them
		l.Entries = slices.Clone(l.Entries)
		out = append(out, l)
	}
	return out, nil
}
func (m *memStore) PutWebhookLog(_ context.Context, l webhooks.Log) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.logs[l.Subscription] = l
	return nil
}

// handlerClient is an HTTP client that serves requests with h in the
// sending goroutine: no network, so that synthetic time can run.
func handlerClient(h http.Handler) *http.Client {
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// within is a scope check over a fixed tree: child → parent.
func within(parents map[string]string) func(scope, unit string) bool {
	return func(scope, unit string) bool {
		for u := unit; u != ""; u = parents[u] {
			if u == scope {
				return true
			}
		}
		return false
	}
}

// tree: province P has commune C under it; Q is another province.
var tree = within(map[string]string{"C": "P"})

// received is one request a receiver took.
type received struct {
	At       time.Time
	Headers  http.Header
	Body     []byte
	Delivery string
	Events   []hailong.Event
}

// recorder records requests and answers with status().
type recorder struct {
	mu     sync.Mutex
	got    []received
	status func(n int) int // n counts requests from 1
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p struct {
		Delivery string          `json:"delivery"`
		Events   []hailong.Event `json:"events"`
	}
	json.Unmarshal(body, &p)
	rc.mu.Lock()
	rc.got = append(rc.got, received{At: time.Now(), Headers: r.Header.Clone(), Body: body, Delivery: p.Delivery, Events: p.Events})
	n := len(rc.got)
	rc.mu.Unlock()
	code := http.StatusNoContent
	if rc.status != nil {
		code = rc.status(n)
	}
	w.WriteHeader(code)
}

func (rc *recorder) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// eventIDs lists the ids of the events received, in order.
func (rc *recorder) eventIDs() []string {
	var ids []string
	for _, r := range rc.requests() {
		for _, e := range r.Events {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// event is an event of a type for a unit.
func event(id string, t hailong.EventType, unit string) hailong.Event {
	return hailong.Event{ID: id, Type: t, At: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), Unit: unit, Data: json.RawMessage(`{"n":1}`)}
}

// start starts a dispatcher and closes it at the end of the test.
func start(t *testing.T, cfg webhooks.Config) *webhooks.Dispatcher {
	t.Helper()
	if cfg.Covers == nil {
		cfg.Covers = tree
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	cfg.AllowPrivate = true
	d := webhooks.New(cfg)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(context.Background()) })
	return d
}

// subscribe makes a subscription or fails the test.
func subscribe(t *testing.T, d *webhooks.Dispatcher, url, unit string, events ...hailong.EventType) webhooks.Subscription {
	t.Helper()
	s, err := d.Subscribe(context.Background(), webhooks.Subscription{URL: url, Unit: unit, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Secret, "whsec_") {
		t.Fatalf("secret %q", s.Secret)
	}
	return s
}
