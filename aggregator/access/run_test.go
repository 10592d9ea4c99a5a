package access_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/hierarchy"
)

// memStore keeps access state in memory, for the timing tests in a
// synctest bubble (the embedded database lives outside any bubble).
type memStore struct {
	mu       sync.Mutex
	users    []hailong.User
	roles    []hailong.Role
	sessions map[string]access.Session
	tokens   map[string]access.StoredToken
	events   []access.Event
}

func newMemStore() *memStore {
	return &memStore{sessions: map[string]access.Session{}, tokens: map[string]access.StoredToken{}}
}

func (m *memStore) Users(context.Context) ([]hailong.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.users), nil
}
func (m *memStore) AddUser(_ context.Context, u hailong.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users = append(m.users, u)
	return nil
}
func (m *memStore) PutUser(_ context.Context, u hailong.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.users {
		if m.users[i].Username == u.Username {
			m.users[i] = u
		}
	}
	return nil
}
func (m *memStore) Roles(context.Context) ([]hailong.Role, error) { return m.roles, nil }
func (m *memStore) PutRole(_ context.Context, r hailong.Role) error {
	m.roles = append(m.roles, r)
	return nil
}
func (m *memStore) Sessions(context.Context) ([]access.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []access.Session
	for _, s := range m.sessions {
		out = append(out, s)
	}
	return out, nil
}
func (m *memStore) AddSession(_ context.Context, s access.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = s
	return nil
}
func (m *memStore) PutSessions(_ context.Context, ss []access.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range ss {
		if _, ok := m.sessions[s.ID]; ok {
			m.sessions[s.ID] = s
		}
	}
	return nil
}
func (m *memStore) DeleteSessions(_ context.Context, ids []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		delete(m.sessions, id)
	}
	return nil
}
func (m *memStore) StoredTokens(context.Context) ([]access.StoredToken, error) { return nil, nil }
func (m *memStore) AddToken(_ context.Context, t access.StoredToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[t.ID] = t
	return nil
}
func (m *memStore) PutTokens(_ context.Context, ts []access.StoredToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range ts {
		m.tokens[t.ID] = t
	}
	return nil
}
func (m *memStore) AddEvent(_ context.Context, e access.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, e)
	return nil
}
func (m *memStore) Events(context.Context, time.Time, int) ([]access.Event, error) { return nil, nil }

func (m *memStore) stored() (sessions int, lastSeen time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sessions {
		lastSeen = s.Seen
	}
	return len(m.sessions), lastSeen
}

// TestRunWritesBehindAndPurges checks the background loop: activity
// reaches the store within a flush interval, an idle session is deleted
// from the store without anyone asking for it.
func TestRunWritesBehindAndPurges(t *testing.T) {
	tree := demoTree(t)
	synctest.Test(t, func(t *testing.T) {
		// The bubble starts in 2000, before the units in force now.
		time.Sleep(time.Until(time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		store := newMemStore()
		svc := access.New(access.Config{Store: store, Units: func() *hierarchy.Tree { return tree }})
		if err := svc.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if err := svc.AddUser(ctx, nil, hailong.User{Username: "lan", Role: hailong.RoleAnalyst, Scope: "09190"}, pw); err != nil {
			t.Fatal(err)
		}
		tok, _, err := svc.Login(ctx, "lan", pw, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { svc.Run(ctx, time.Minute); close(done) }()

		time.Sleep(30 * time.Minute)
		if _, err := svc.Session(ctx, tok); err != nil {
			t.Fatal(err)
		}
		used := time.Now()
		time.Sleep(time.Minute + time.Second)
		synctest.Wait()
		if n, seen := store.stored(); n != 1 || !seen.Equal(used.UTC()) {
			t.Fatalf("stored %d sessions, last seen %v; want 1 seen %v", n, seen, used)
		}
		time.Sleep(access.DefaultIdleTTL)
		synctest.Wait()
		if n, _ := store.stored(); n != 0 {
			t.Fatalf("%d sessions stored after their idle expiry", n)
		}
		cancel()
		<-done
	})
}
