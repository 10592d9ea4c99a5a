package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateRefusesYearsBeforeMakingTheDatabase: -years outside what
// the synthetic province covers is refused with the reason, and no
// database is made.
func TestGenerateRefusesYearsBeforeMakingTheDatabase(t *testing.T) {
	for _, years := range []string{"0", "8"} {
		t.Run(years, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			err := run([]string{"generate", "-data", data, "-years", years}, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), "-years "+years) {
				t.Fatalf("generate -years %s: %v, want the years refused", years, err)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("generate -years %s made %s (%v)", years, data, err)
			}
		})
	}
}
