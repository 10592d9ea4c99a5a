// Package subscribetest sets up what the alert emails and the scheduled
// reports need, for their tests: the real database (FerretDB), access
// control with the demo units, the subscriptions, a mail outbox sending
// to a real SMTP server started for the test.
package subscribetest

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/mail"
	"hailong/aggregator/mail/mailtest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/subscribe"
	"hailong/assets"
	"hailong/hierarchy"
)

// Env is a test's setting.
type Env struct {
	t      testing.TB
	DB     *mongodb.DB
	Units  *hierarchy.Tree
	Access *access.Service
	Subs   *subscribe.Service
	Outbox *mail.Outbox
	SMTP   *mailtest.Server
	// Now is the clock of access and subscriptions.
	Now  time.Time
	stop func()
}

// Start sets up the environment at now, the outbox running.
func Start(t testing.TB, now time.Time) *Env {
	t.Helper()
	e := &Env{t: t, DB: ferrettest.Open(t), SMTP: mailtest.Start(t), Now: now, Units: DemoUnits(t)}
	e.Access = access.New(access.Config{Store: e.DB, Units: func() *hierarchy.Tree { return e.Units },
		Now: func() time.Time { return e.Now }, Logger: slog.New(slog.DiscardHandler)})
	if err := e.Access.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.Restart()
	t.Cleanup(func() { e.stop() })
	return e
}

// DemoUnits reads the demo administrative units.
func DemoUnits(t testing.TB) *hierarchy.Tree {
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

// Restart stops the outbox and the subscriptions (a stopped aggregator)
// and starts them again from the database.
func (e *Env) Restart() {
	e.t.Helper()
	if e.stop != nil {
		e.stop()
	}
	sender, err := mail.NewSMTP(e.SMTP.Config())
	if err != nil {
		e.t.Fatal(err)
	}
	e.Subs = subscribe.New(e.DB, e.Access, func() time.Time { return e.Now })
	if err := e.Subs.Load(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.Outbox = mail.NewOutbox(e.DB, sender, slog.New(slog.DiscardHandler))
	e.Outbox.RetryAfter = func(int) time.Duration { return 20 * time.Millisecond }
	if err := e.Outbox.Load(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Outbox.Run(ctx) })
	e.stop = func() { cancel(); wg.Wait() }
}

// AddUser adds a user with an email address (none when empty) and
// returns the principal the user signs in as.
func (e *Env) AddUser(username, scope, email string) *hailong.Principal {
	e.t.Helper()
	return e.AddUserWithRole(username, hailong.RoleAnalyst, scope, email)
}

// AddUserWithRole adds a user of a role with an address, and returns its
// principal as a sign-in would make it (the role's permissions).
func (e *Env) AddUserWithRole(username, role, scope, email string) *hailong.Principal {
	e.t.Helper()
	ctx := context.Background()
	u := hailong.User{Username: username, Name: username, Role: role, Scope: scope}
	if err := e.Access.AddUser(ctx, nil, u, "một mật khẩu đủ dài 2026"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.Access.SetEmail(ctx, nil, username, email); err != nil {
		e.t.Fatal(err)
	}
	p := &hailong.Principal{Username: username, Role: role, Scope: scope}
	for _, r := range e.Access.Roles() {
		if r.Name == role {
			p.Permissions = slices.Clone(r.Permissions)
		}
	}
	return p
}

// Subscribe subscribes the principal, failing the test on an error.
func (e *Env) Subscribe(p *hailong.Principal, unit string, kind hailong.SubscriptionKind, lang string) hailong.Subscription {
	e.t.Helper()
	s, err := e.Subs.Add(context.Background(), p, unit, kind, lang)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// Settled waits until the outbox has nothing pending.
func (e *Env) Settled() {
	e.t.Helper()
	for deadline := time.Now().Add(time.Minute); e.Outbox.Pending() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d emails still pending after a minute", e.Outbox.Pending())
		}
	}
}
