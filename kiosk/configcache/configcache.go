// Package configcache keeps on the kiosk's disk the configuration the
// aggregator last published to it (its enrolment and the questionnaires), so
// that a node restarted while the aggregator is unreachable offers what it
// offered before rather than its embedded defaults.
package configcache

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"hailong/syncapi"
)

// Name is the cache file's name in the node's data directory.
const Name = "config.json"

// Load reads the cached configuration. Without a cache it returns an error
// matching os.ErrNotExist; a cache that cannot be read or decoded is an
// error too, never a zero configuration.
func Load(path string) (syncapi.Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return syncapi.Config{}, fmt.Errorf("read configuration cache: %w", err)
	}
	var c syncapi.Config
	if err := json.Unmarshal(b, &c); err != nil {
		return syncapi.Config{}, fmt.Errorf("configuration cache %s is corrupt: %w", path, err)
	}
	if c.Kiosk == "" || c.Unit == "" {
		return syncapi.Config{}, fmt.Errorf("configuration cache %s is corrupt: no kiosk or unit", path)
	}
	return c, nil
}

// Save replaces the cache atomically and durably: a crash at any point
// leaves either the old file or the new one, whole. It writes a temporary
// file beside it, fsyncs it, renames it over the cache and fsyncs the
// directory so that the rename itself survives a power cut.
func Save(path string, c syncapi.Config) (err error) {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save configuration cache: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		return fmt.Errorf("save configuration cache: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("save configuration cache: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("save configuration cache: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save configuration cache: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("save configuration cache: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("save configuration cache: sync directory: %w", err)
	}
	return nil
}
