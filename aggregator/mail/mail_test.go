package mail_test

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/mail"
	"hailong/aggregator/mail/mailtest"
)

const (
	subject = "[Hài Lòng] Cảnh báo mới: Tỷ lệ không hài lòng – Phường Kinh Bắc"
	body    = "Cảnh báo “Tỷ lệ không hài lòng” mới mở cho Phường Kinh Bắc: 42,0 % (ngưỡng 30,0 %)."
)

func message(id string) mail.Message {
	text, html := mail.Compose(subject, body)
	return mail.Message{ID: id, To: []string{"phan.thi.hoa@example.gov.vn"}, Subject: subject, Text: text, HTML: html,
		Attachments: []mail.Attachment{{Name: "bao-cao.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 thử")}}}
}

func TestSMTPSendsVietnameseOverSTARTTLS(t *testing.T) {
	for _, auth := range []string{"plain", "login"} {
		t.Run(auth, func(t *testing.T) {
			srv := mailtest.Start(t)
			cfg := srv.Config()
			cfg.Auth = auth
			s, err := mail.NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), message("a:1")); err != nil {
				t.Fatal(err)
			}
			got := srv.Wait(1)[0]
			if !got.TLS || !got.Authed {
				t.Errorf("TLS %v, authenticated %v; want both", got.TLS, got.Authed)
			}
			if got.Subject != subject {
				t.Errorf("subject %q, want %q", got.Subject, subject)
			}
			if !strings.HasPrefix(got.RawSubject, "=?UTF-8?") {
				t.Errorf("raw subject %q is not RFC 2047-encoded UTF-8", got.RawSubject)
			}
			if !strings.Contains(got.Text, body) || !strings.Contains(got.HTML, "42,0 % (ngưỡng 30,0 %)") {
				t.Errorf("text %q / HTML %q lack the body", got.Text, got.HTML)
			}
			if len(got.Attachments) != 1 || got.Attachments[0].Name != "bao-cao.pdf" || string(got.Attachments[0].Data) != "%PDF-1.4 thử" {
				t.Errorf("attachments %+v", got.Attachments)
			}
			if got.Header.Get("Message-Id") != "<a-1@hailong>" {
				t.Errorf("Message-ID %q", got.Header.Get("Message-Id"))
			}
		})
	}
}

func TestSMTPRequiresSTARTTLSByDefault(t *testing.T) {
	srv := mailtest.StartWithoutTLS(t)
	for _, tc := range []struct {
		policy string
		sent   bool
	}{{"", false}, {mail.TLSRequired, false}, {mail.TLSOpportunistic, true}} {
		t.Run("policy "+tc.policy, func(t *testing.T) {
			cfg := srv.Config()
			cfg.TLS, cfg.Auth = tc.policy, "" // no authentication without TLS
			s, err := mail.NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), message("b:"+tc.policy))
			if (err == nil) != tc.sent {
				t.Errorf("sent %v (err %v), want sent %v", err == nil, err, tc.sent)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  mail.Config
		ok   bool
	}{
		{"off", mail.Config{}, true},
		{"good", mail.Config{Addr: "smtp.example.gov.vn:587", Auth: "login", Username: "u", From: "Hài Lòng <a@b.vn>"}, true},
		{"no port", mail.Config{Addr: "smtp.example.gov.vn", From: "a@b.vn"}, false},
		{"bad policy", mail.Config{Addr: "h:587", TLS: "maybe", From: "a@b.vn"}, false},
		{"bad auth", mail.Config{Addr: "h:587", Auth: "cram-md5", Username: "u", From: "a@b.vn"}, false},
		{"no from", mail.Config{Addr: "h:587"}, false},
		{"bad from", mail.Config{Addr: "h:587", From: "not an address"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestOutboxSurvivesOutageAndRestart: an email enqueued while the SMTP
// server is down is sent once when it is up again; an outbox restarted
// on the same database sends neither it again nor loses one pending.
func TestOutboxSurvivesOutageAndRestart(t *testing.T) {
	db := ferrettest.Open(t)
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	run := func(o *mail.Outbox) func() {
		t.Helper()
		o.RetryAfter = func(int) time.Duration { return 20 * time.Millisecond }
		if err := o.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { o.Run(ctx) })
		return func() { cancel(); wg.Wait() }
	}
	ctx := context.Background()

	srv.Stop()
	o := mail.NewOutbox(db, sender, log)
	stop := run(o)
	if err := o.Enqueue(ctx, message("outage:1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return failedAttempts(t, db, "outage:1") >= 2 })
	stop() // a restart while the server is down

	o = mail.NewOutbox(db, sender, log)
	stop = run(o)
	if o.Pending() != 1 {
		t.Fatalf("after restart %d pending, want 1", o.Pending())
	}
	srv.Restart()
	srv.Wait(1)
	waitFor(t, func() bool { return o.Pending() == 0 })
	if err := o.Enqueue(ctx, message("outage:1")); err != nil { // the same email again
		t.Fatal(err)
	}
	stop()

	o = mail.NewOutbox(db, sender, log)
	stop = run(o)
	if err := o.Enqueue(ctx, message("outage:1"), message("after:2")); err != nil {
		t.Fatal(err)
	}
	srv.Wait(2)
	waitFor(t, func() bool { return o.Pending() == 0 })
	stop()
	var ids []string
	for _, r := range srv.Received() {
		ids = append(ids, r.Header.Get("Message-Id"))
	}
	if strings.Join(ids, " ") != "<outage-1@hailong> <after-2@hailong>" {
		t.Errorf("received %v, want outage:1 once then after:2", ids)
	}
}

func failedAttempts(t *testing.T, db mail.Store, id string) int {
	t.Helper()
	all, err := db.Mails(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.ID == id && e.State == mail.StatePending {
			return e.Attempts
		}
	}
	return 0
}

// waitFor polls cond for up to a minute: the outbox works in the
// background on a real database.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within a minute")
		}
	}
}

// memStore is an outbox store in memory, for the timer tests.
type memStore struct {
	mu sync.Mutex
	m  map[string]mail.Entry
}

func (s *memStore) AddMail(_ context.Context, e mail.Entry) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[e.ID]; ok {
		return false, nil
	}
	s.m[e.ID] = e
	return true, nil
}

func (s *memStore) Mails(context.Context) ([]mail.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.m)), nil
}

func (s *memStore) PutMail(_ context.Context, e mail.Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[e.ID] = e
	return nil
}

func (s *memStore) PurgeMails(_ context.Context, before time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, e := range s.m {
		if e.State != mail.StatePending && e.Settled.Before(before) {
			delete(s.m, id)
		}
	}
	return nil
}

// flaky fails its first failures sends, recording when each try came.
type flaky struct {
	failures int
	tries    []time.Time
}

func (f *flaky) Send(context.Context, mail.Message) error {
	f.tries = append(f.tries, time.Now())
	if len(f.tries) <= f.failures {
		return errors.New("421 try later")
	}
	return nil
}

// TestOutboxBacksOff checks the retry times (synctest's clock) and the
// bound: given up after MaxAttempts.
func TestOutboxBacksOff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int
		state    string
	}{{"sent on the fourth try", 3, mail.StateSent}, {"given up", 1000, mail.StateFailed}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store := &memStore{m: map[string]mail.Entry{}}
				f := &flaky{failures: tc.failures}
				o := mail.NewOutbox(store, f, slog.New(slog.DiscardHandler))
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { o.Run(ctx); close(done) }()
				start := time.Now()
				if err := o.Enqueue(ctx, message("x")); err != nil {
					t.Fatal(err)
				}
				time.Sleep(48 * time.Hour)
				synctest.Wait()
				cancel()
				<-done
				wantTries := min(tc.failures+1, mail.MaxAttempts)
				if len(f.tries) != wantTries {
					t.Fatalf("%d tries, want %d", len(f.tries), wantTries)
				}
				var wait time.Duration
				for i, at := range f.tries {
					if got := at.Sub(start); got != wait {
						t.Errorf("try %d after %v, want %v", i+1, got, wait)
					}
					wait += mail.Backoff(i + 1)
				}
				if e := store.m["x"]; e.State != tc.state || e.Attempts != wantTries {
					t.Errorf("state %s after %d attempts, want %s after %d", e.State, e.Attempts, tc.state, wantTries)
				}
			})
		})
	}
}
