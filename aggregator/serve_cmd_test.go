package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesBadWebhookFlags: a webhook flag out of range is refused
// with the flag named, before any database is made.
func TestServeRefusesBadWebhookFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"negative queue wait", []string{"-webhook-queue-after", "-1s"}, "-webhook-queue-after: -1s is negative"},
		{"retry not a duration", []string{"-webhook-retries", "10s,soon"}, `-webhook-retries: "soon"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			err := run(append([]string{"serve", "-data", data, "-listen", "127.0.0.1:0"}, c.args...), slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("serve %v: %v, want %q", c.args, err, c.want)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("serve %v made %s (%v)", c.args, data, err)
			}
		})
	}
}
