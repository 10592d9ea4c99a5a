package access_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/ferret"
	"hailong/aggregator/mongodb"
	"hailong/assets"
	"hailong/hierarchy"
)

// clock is an injected clock: the tests move time by hand, so no assertion
// depends on how long anything takes.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a service on a real FerretDB with the demo units.
type env struct {
	svc   *access.Service
	db    *mongodb.DB
	raw   *mongo.Database // the same database, for reading stored documents
	clock *clock
	tree  *hierarchy.Tree
	cfg   access.Config
}

const testDB = "hailong_test"

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	emb, err := ferret.Start(ctx, t.TempDir(), log)
	if err != nil {
		t.Fatalf("start FerretDB: %v", err)
	}
	t.Cleanup(func() { emb.Close() })
	db, err := mongodb.Open(ctx, emb.URI(), testDB)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close(ctx) })
	client, err := mongo.Connect(options.Client().ApplyURI(emb.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(ctx) })
	e := &env{db: db, raw: client.Database(testDB), clock: &clock{now: time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)}, tree: demoTree(t)}
	e.cfg = access.Config{Store: db, Units: func() *hierarchy.Tree { return e.tree }, Now: e.clock.Now, Logger: log}
	e.svc = e.restart(t)
	return e
}

// restart makes a new service on the same database, as after a restart of
// the aggregator.
func (e *env) restart(t testing.TB) *access.Service {
	t.Helper()
	s := access.New(e.cfg)
	if err := s.Load(context.Background()); err != nil {
		t.Fatalf("load: %v", err)
	}
	e.svc = s
	return s
}

// nowAndAfterRestart returns the service, and a new one loaded from the
// same database: a check must hold in memory and after a restart.
func (e *env) nowAndAfterRestart(t *testing.T) []*access.Service {
	t.Helper()
	now := e.svc
	return []*access.Service{now, e.restart(t)}
}

func demoTree(t testing.TB) *hierarchy.Tree {
	t.Helper()
	f, err := assets.FS("").Open(assets.DemoUnits)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := hierarchy.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// Passwords of the test users.
const (
	pw      = "correct horse 42"
	otherPw = "battery staple 17"
)

// addUser adds a user from the command line (no actor).
func (e *env) addUser(t *testing.T, name, role, scope string) {
	t.Helper()
	if err := e.svc.AddUser(context.Background(), nil, hailong.User{Username: name, Name: name, Role: role, Scope: scope}, pw); err != nil {
		t.Fatalf("add user %s: %v", name, err)
	}
}

// login signs in and fails the test on error.
func (e *env) login(t *testing.T, name string) (string, *hailong.Principal) {
	t.Helper()
	tok, p, err := e.svc.Login(context.Background(), name, pw, "192.0.2.1")
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	return tok, p
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := hailong.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

// audit returns every audit event, oldest first.
func (e *env) audit(t *testing.T) []access.Event {
	t.Helper()
	evs, err := e.svc.AuditLog(context.Background(), nil, time.Time{}, 10000)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(evs)
	return evs
}

// wantAudit checks that the audit log holds an event matching want (At
// and Detail are not compared; Detail when set must be contained).
func (e *env) wantAudit(t *testing.T, want access.Event) {
	t.Helper()
	for _, ev := range e.audit(t) {
		if ev.Actor == want.Actor && ev.Action == want.Action && ev.Target == want.Target && ev.OK == want.OK &&
			(want.Addr == "" || ev.Addr == want.Addr) && containsStr(ev.Detail, want.Detail) {
			return
		}
	}
	t.Fatalf("no audit event like %+v in %+v", want, e.audit(t))
}

func containsStr(s, sub string) bool { return strings.Contains(s, sub) }

// storedToken reads a token's stored document.
func (e *env) storedToken(t *testing.T, id string) bson.M {
	t.Helper()
	var doc bson.M
	if err := e.raw.Collection("tokens").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
		t.Fatalf("read token %s: %v", id, err)
	}
	return doc
}

func ptr[T any](v T) *T { return &v }

func date(t *testing.T, s string) hailong.Date {
	t.Helper()
	d, err := hailong.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
