package configcache_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"hailong/kiosk/configcache"
	"hailong/syncapi"
)

func TestSaveReplacesTheCacheWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, configcache.Name)
	if _, err := configcache.Load(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("load before any save: %v, want not exist", err)
	}
	for _, unit := range []string{"TT-1", "TT-2"} {
		want := syncapi.Config{Kiosk: "k1", Unit: unit, Questionnaires: []json.RawMessage{json.RawMessage(`{"id":"q"}`)}}
		if err := configcache.Save(path, want); err != nil {
			t.Fatal(err)
		}
		got, err := configcache.Load(path)
		if err != nil || got.Unit != unit || len(got.Questionnaires) != 1 {
			t.Fatalf("load after save: %+v, %v", got, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only the cache (no temporary file left)", len(entries))
	}
}

func TestLoadRefusesACorruptCache(t *testing.T) {
	for name, content := range map[string]string{"empty": "", "garbage": "\x00{", "no unit": `{"kiosk":"k1"}`} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), configcache.Name)
			os.WriteFile(path, []byte(content), 0o600)
			if _, err := configcache.Load(path); err == nil || errors.Is(err, fs.ErrNotExist) {
				t.Errorf("load: %v, want a corrupt-cache error", err)
			}
		})
	}
}
