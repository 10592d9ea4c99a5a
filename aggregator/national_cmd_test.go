package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNationalSourcesFlag: serve -national-sources reads its file before
// anything starts, and refuses a missing or malformed one.
func TestNationalSourcesFlag(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "sources.csv")
	if err := os.WriteFile(bad, []byte("48,https://p48.example,hlt_x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, file, want string }{
		{"missing file", filepath.Join(t.TempDir(), "none.csv"), "-national-sources"},
		{"no header", bad, "provinces,url,token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run([]string{"serve", "-data", t.TempDir(), "-listen", "127.0.0.1:0", "-national-sources", tc.file}, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("serve -national-sources %s: %v, want an error naming %q", tc.file, err, tc.want)
			}
		})
	}
}
