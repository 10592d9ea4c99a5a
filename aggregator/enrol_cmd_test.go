package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/app"
	"hailong/aggregator/enrolment"
)

// TestKioskCommandsOnARunningAggregator: on the embedded database held by
// the running aggregator the command says to use the admin pages or the
// API; with -url and -token it goes through the API, and the revocation
// holds at once.
func TestKioskCommandsOnARunningAggregator(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	agg := &app.Main{Config: app.Config{Listen: "127.0.0.1:0", DataDir: data, DemoData: true}, Logger: slog.New(slog.DiscardHandler)}
	if err := agg.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer agg.Close()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"kiosk", "revoke", "-id", "k"}, "/admin/kiosks"},
		{[]string{"client", "add", "-id", "c", "-unit", "24"}, "/admin/clients"},
		{[]string{"units", "import", "x.csv"}, "/admin/imports"},
		{[]string{"procedures", "import", "x.csv"}, "/api/v1/procedures/import"},
	} {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			_, err := cli(t, data, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "stop the service") {
				t.Fatalf("error %v does not point at %s", err, tt.want)
			}
		})
	}
	t.Run("through the API", func(t *testing.T) {
		if err := agg.Access().AddUser(ctx, nil, hailong.User{Username: "ops", Role: hailong.RoleAdmin, Scope: "24"}, "cli-Password-1234"); err != nil {
			t.Fatal(err)
		}
		tok, _, err := agg.Access().CreateToken(ctx, nil, "ops", "cli", "", nil, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		remote := []string{"-url", agg.URL(), "-token", tok}
		out, err := cli(t, data, append([]string{"kiosk", "add", "-id", "k-remote", "-unit", "TT-09190"}, remote...)...)
		if err != nil || !strings.HasPrefix(out, "k-remote.") {
			t.Fatalf("add: %q %v", out, err)
		}
		cred := "Bearer " + strings.TrimSpace(out)
		if _, err := enrolment.NewRegistry(agg.DB()).Authenticate(ctx, cred); err != nil {
			t.Fatalf("the credential printed: %v", err)
		}
		if out, err := cli(t, data, append([]string{"kiosk", "revoke", "-id", "k-remote"}, remote...)...); err != nil || !strings.Contains(out, "revoked") {
			t.Fatalf("revoke: %q %v", out, err)
		}
		if _, err := enrolment.NewRegistry(agg.DB()).Authenticate(ctx, cred); hailong.ErrorCode(err) != hailong.EFORBIDDEN {
			t.Fatalf("after revoke: %v", err)
		}
		if _, err := cli(t, data, "kiosk", "revoke", "-id", "k-remote", "-url", agg.URL(), "-token", "hlt_wrong"); err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("a wrong token: %v", err)
		}
	})
}
