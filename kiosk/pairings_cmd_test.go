package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hailong/kiosk/app"
	"hailong/kiosk/terminals"
)

// TestPairingsCommand pairs a screen by the code it shows, issues the
// one-stop software's credential, lists both and revokes one, through the
// running node as an administrator at the centre does.
func TestPairingsCommand(t *testing.T) {
	dir := t.TempDir()
	m := &app.Main{Config: app.Config{Listen: "127.0.0.1:0", DataDir: dir, Kiosk: "k1", Unit: "TT-1"}, Logger: slog.New(slog.DiscardHandler)}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	pairings := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(append([]string{"pairings", "-url", m.URL(), "-data", dir}, args...), &out)
		return out.String(), err
	}
	key := terminals.NewKey() // a screen waiting, showing its code
	code, err := m.Terminals().Code(key, "127.0.0.1", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pairings("pair", "ZZZZZZ", "-name", "quay-1"); err == nil || !strings.Contains(err.Error(), "No screen shows this code") {
		t.Errorf("a code no screen shows: %v", err)
	}
	if _, ok := m.Terminals().Collect(key); ok {
		t.Fatal("a token before any pairing")
	}
	out, err := pairings("pair", strings.ToLower(code), "-name", "quay-1", "-counter", "Q1")
	if err != nil || !strings.Contains(out, `paired screen "quay-1"`) || !strings.Contains(out, "at counter Q1") {
		t.Fatalf("pair: %v\n%s", err, out)
	}
	token, ok := m.Terminals().Collect(key)
	if !ok {
		t.Fatal("the paired screen got no token")
	}
	screen, ok := m.Terminals().Check(token)
	if !ok || screen.Counter != "Q1" {
		t.Fatalf("the screen's token: %+v %v", screen, ok)
	}
	out, err = pairings("issue", "-name", "motcua")
	if err != nil || !strings.Contains(out, "hlt_") {
		t.Fatalf("issue: %v\n%s", err, out)
	}
	software := strings.TrimSpace(out[strings.LastIndex(out, "\n"+"hlt_")+1:])
	if _, ok := m.Terminals().Check(software); !ok {
		t.Errorf("the software's token %q does not work", software)
	}
	if out, err = pairings("revoke", screen.ID); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if _, ok := m.Terminals().Check(token); ok {
		t.Error("a revoked screen's token still works")
	}
	out, err = pairings("list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "motcua") || !strings.Contains(lines[2], "quay-1") || !strings.Contains(lines[2], "Q1") {
		t.Errorf("list (active first, revoked kept):\n%s", out)
	}
	wrong := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(wrong, []byte("not-the-secret-of-this-node-at-all-0123456789"), 0o600)
	var buf bytes.Buffer
	if err := run([]string{"pairings", "-url", m.URL(), "-admin-secret-file", wrong, "list"}, &buf); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong admin secret: %v", err)
	}
}
