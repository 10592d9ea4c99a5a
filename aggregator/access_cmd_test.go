package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/app"
	"hailong/aggregator/ferret"
	"hailong/aggregator/mongodb"
	"hailong/hierarchy"
)

// cli runs the aggregator command args (two words, then flags) on the data
// directory and returns what it printed on stdout.
func cli(t *testing.T, data string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	stdout, stderr = &out, &errOut
	t.Cleanup(func() { stdout, stderr = os.Stdout, os.Stderr })
	full := append(append(append([]string{}, args[:2]...), "-data", data), args[2:]...)
	err := run(full, slog.New(slog.DiscardHandler))
	return out.String(), err
}

func mustCLI(t *testing.T, data string, args ...string) string {
	t.Helper()
	out, err := cli(t, data, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out
}

// openService opens the data directory as the aggregator would, once the
// command has ended.
func openService(t *testing.T, data string) *access.Service {
	t.Helper()
	ctx := context.Background()
	db, err := app.OpenDB(ctx, app.Config{DataDir: data}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	records, _, err := db.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := hierarchy.New(records)
	if err != nil {
		t.Fatal(err)
	}
	s := access.New(access.Config{Store: db, Units: func() *hierarchy.Tree { return tree }})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUsersAndTokensCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	mustCLI(t, data, "units", "import", "../assets/units/demo.csv")

	password := strings.TrimSpace(mustCLI(t, data, "users", "add", "-username", "root", "-role", "admin", "-scope", "24", "-name", "Nguyễn Văn A"))
	if len(password) < 20 {
		t.Fatalf("generated password %q", password)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("kinh bac 2026 !\n"), 0o600)
	if out := mustCLI(t, data, "users", "add", "-username", "lan", "-role", "analyst", "-scope", "09190", "-password-file", pwFile); out != "" {
		t.Fatalf("a given password was printed: %q", out)
	}
	if _, err := cli(t, data, "users", "add", "-username", "kim", "-role", "analyst", "-scope", "99"); hailong.ErrorCode(err) != hailong.EINVALID {
		t.Fatalf("unknown scope: %v", err)
	}
	list := mustCLI(t, data, "users", "list")
	for _, want := range []string{"root", "admin", "24", "lan", "analyst", "09190", "Nguyễn Văn A"} {
		if !strings.Contains(list, want) {
			t.Fatalf("users list lacks %q:\n%s", want, list)
		}
	}
	token := strings.TrimSpace(mustCLI(t, data, "tokens", "add", "-username", "lan", "-name", "excel", "-expires", "30d"))
	if !strings.HasPrefix(token, access.TokenPrefix) {
		t.Fatalf("token %q", token)
	}
	id := strings.SplitN(token, "_", 3)[1]
	if out := mustCLI(t, data, "tokens", "list"); !strings.Contains(out, id) || strings.Contains(out, token) {
		t.Fatalf("tokens list:\n%s", out)
	}

	t.Run("the accounts work in the aggregator", func(t *testing.T) {
		s := openService(t, data)
		if _, p, err := s.Login(ctx, "root", password, "cli-test"); err != nil || p.Scope != "24" {
			t.Fatalf("root: %+v %v", p, err)
		}
		if _, _, err := s.Login(ctx, "lan", "kinh bac 2026 !", "cli-test"); err != nil {
			t.Fatalf("lan: %v", err)
		}
		p, err := s.Bearer(ctx, "Bearer "+token)
		if err != nil || p.Username != "lan" {
			t.Fatalf("token: %+v %v", p, err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	})
	// The service above has closed the database.
	t.Run("passwd, disable, revoke", func(t *testing.T) {
		newPw := strings.TrimSpace(mustCLI(t, data, "users", "passwd", "-username", "root"))
		mustCLI(t, data, "users", "disable", "-username", "lan")
		mustCLI(t, data, "tokens", "revoke", "-id", id)
		if _, err := cli(t, data, "tokens", "revoke", "-id", "0000000000000000"); hailong.ErrorCode(err) != hailong.ENOTFOUND {
			t.Fatalf("revoke unknown: %v", err)
		}
		s := openService(t, data)
		if _, _, err := s.Login(ctx, "root", password, "cli-test"); hailong.ErrorCode(err) != hailong.EUNAUTHORIZED {
			t.Fatalf("old password: %v", err)
		}
		if _, _, err := s.Login(ctx, "root", newPw, "cli-test"); err != nil {
			t.Fatalf("new password: %v", err)
		}
		if _, _, err := s.Login(ctx, "lan", "kinh bac 2026 !", "cli-test"); hailong.ErrorCode(err) != hailong.EUNAUTHORIZED {
			t.Fatalf("disabled user: %v", err)
		}
		if _, err := s.Bearer(ctx, "Bearer "+token); hailong.ErrorCode(err) != hailong.EUNAUTHORIZED {
			t.Fatalf("revoked token: %v", err)
		}
		evs, err := s.AuditLog(ctx, nil, time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{access.ActionUserAdd: false, access.ActionTokenAdd: false, access.ActionPasswordSet: false, access.ActionUserUpdate: false, access.ActionTokenRevoke: false}
		for _, e := range evs {
			if _, ok := want[e.Action]; ok && e.Actor == "cli" && e.OK {
				want[e.Action] = true
			}
		}
		for a, seen := range want {
			if !seen {
				t.Errorf("no audit event %s by cli in %+v", a, evs)
			}
		}
	})
}

func TestAccessCommandsOnARunningAggregator(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	agg := &app.Main{Config: app.Config{Listen: "127.0.0.1:0", DataDir: data, DemoData: true}, Logger: slog.New(slog.DiscardHandler)}
	if err := agg.Run(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("embedded database locked", func(t *testing.T) {
		_, err := cli(t, data, "users", "list")
		if err == nil || !strings.Contains(err.Error(), "Stop the service") || !strings.Contains(err.Error(), "systemctl start") {
			t.Fatalf("error %v does not say what to do", err)
		}
	})
	if p, found, err := agg.DB().Running(ctx); err != nil || !found || p.PID != os.Getpid() {
		t.Fatalf("the running aggregator's presence: %+v %v %v", p, found, err)
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	// On MongoDB no lock keeps the command out: the presence the running
	// aggregator records does. Play the running aggregator's part on a
	// database of the protocol.
	mark := func(t *testing.T, uri string, seen time.Time) {
		t.Helper()
		db, err := mongodb.Open(ctx, uri, "hailong")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close(ctx)
		if err := db.MarkRunning(ctx, mongodb.Presence{Host: "agg1", PID: 42, Started: seen, Seen: seen}); err != nil {
			t.Fatal(err)
		}
	}
	emb, err := ferret.Start(ctx, t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	tests := []struct {
		name    string
		seen    time.Duration
		refused bool
	}{
		{"running", -30 * time.Second, true},
		{"stale presence of a crashed aggregator", -10 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark(t, emb.URI(), time.Now().Add(tt.seen))
			_, err := cli(t, data, "users", "list", "-mongo-uri", emb.URI())
			if tt.refused != (err != nil) {
				t.Fatalf("refused %v, want %v", err, tt.refused)
			}
			if tt.refused && (!strings.Contains(err.Error(), "agg1") || !strings.Contains(err.Error(), "Stop the service")) {
				t.Fatalf("error %v does not say what to do", err)
			}
		})
	}
	t.Run("a clean stop clears the presence", func(t *testing.T) {
		db, err := app.OpenDB(ctx, app.Config{DataDir: data}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, found, err := db.Running(ctx); err != nil || found {
			t.Fatalf("presence left after a clean stop (%v)", err)
		}
	})
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"90d", now.Add(90 * 24 * time.Hour), false},
		{"720h", now.Add(720 * time.Hour), false},
		{"2027-03-01", time.Date(2027, 3, 2, 0, 0, 0, 0, hailong.Location), false},
		{"0d", time.Time{}, true},
		{"soon", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseExpiry(tt.in, now)
			if (err != nil) != tt.bad || !got.Equal(tt.want) {
				t.Fatalf("parseExpiry(%q) = %v, %v", tt.in, got, err)
			}
		})
	}
}

func TestRolesCommands(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, data, "units", "import", "../assets/units/demo.csv")
	if out := mustCLI(t, data, "roles", "list"); !strings.Contains(out, "analyst") || !strings.Contains(out, "measures.read") {
		t.Fatalf("roles list:\n%s", out)
	}
	mustCLI(t, data, "roles", "put", "-name", "auditor", "-permissions", "audit.read, measures.read", "-description", "Reads the audit log")
	if out := mustCLI(t, data, "roles", "list"); !strings.Contains(out, "auditor") || !strings.Contains(out, "audit.read,measures.read") {
		t.Fatalf("the new role is not listed:\n%s", out)
	}
	mustCLI(t, data, "users", "add", "-username", "thu", "-role", "auditor", "-scope", "24")
	if _, err := cli(t, data, "roles", "put", "-name", "odd", "-permissions", "measures.write"); hailong.ErrorCode(err) != hailong.EINVALID {
		t.Fatalf("an unknown permission: %v", err)
	}
}
