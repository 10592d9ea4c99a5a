package bolt_test

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/bolt"
	"hailong/aggregator/seen"
	"hailong/qrtoken"
)

func open(t *testing.T, path, database string) (*bolt.Index, string) {
	t.Helper()
	idx, aside, err := bolt.Open(path, database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return idx, aside
}

func entry(id string, received, at time.Time) seen.Entry {
	return seen.Entry{ID: id, Digest: sha256.Sum256([]byte(id)), Received: received, At: at}
}

func TestEntriesComeBackAsWritten(t *testing.T) {
	idx, _ := open(t, filepath.Join(t.TempDir(), "ratings.bolt"), "db1")
	now := time.Now().UTC().Truncate(time.Millisecond)
	tests := []struct {
		name string
		e    seen.Entry
	}{
		{"a kiosk rating", entry(hailong.NewID(), now, time.Time{})},
		{"a dossier's rating", entry(qrtoken.DossierRatingID("TT-1", "H1"), now, now.Add(-time.Hour))},
		{"filled from a scan", entry(hailong.NewID(), time.Time{}, time.Time{})},
		{"an id that is not a UUID", entry("not-a-uuid", now, time.Time{})},
		{"an upper-case UUID", entry(strings.ToUpper(hailong.NewID()), now, time.Time{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := idx.Put([]seen.Entry{tt.e}); err != nil {
				t.Fatal(err)
			}
			got, ok, err := idx.Get(tt.e.ID)
			if err != nil || !ok || got.Digest != tt.e.Digest || !got.Received.Equal(tt.e.Received) || !got.At.Equal(tt.e.At) || got.ID != tt.e.ID {
				t.Fatalf("got %+v %v %v, want %+v", got, ok, err, tt.e)
			}
		})
	}
	t.Run("an id of the same bytes in upper case is another key", func(t *testing.T) {
		id := hailong.NewID()
		if _, ok, _ := idx.Get(strings.ToUpper(id)); ok {
			t.Fatal("found")
		}
		if err := idx.Put([]seen.Entry{entry(strings.ToUpper(id), now, time.Time{})}); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := idx.Get(id); ok {
			t.Fatal("the lower-case id is found under the upper-case one's entry")
		}
	})
	t.Run("a scanned entry does not replace a received one", func(t *testing.T) {
		e := entry(hailong.NewID(), now, time.Time{})
		if err := idx.Put([]seen.Entry{e}); err != nil {
			t.Fatal(err)
		}
		if err := idx.Put([]seen.Entry{entry(e.ID, time.Time{}, time.Time{})}); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := idx.Get(e.ID); !got.Received.Equal(now) {
			t.Fatalf("received %v, want %v", got.Received, now)
		}
	})
}

func TestOpenStartsAfreshWhenTheFileCannotBeTrusted(t *testing.T) {
	id := hailong.NewID()
	tests := []struct {
		name     string
		prepare  func(t *testing.T, path string)
		database string
		kept     bool
		setAside bool
	}{
		{"complete, same database", func(t *testing.T, path string) {}, "db1", true, false},
		{"another database", func(t *testing.T, path string) {}, "db2", false, false},
		{"not marked complete", func(t *testing.T, path string) {
			idx, _ := open(t, path, "db1")
			if err := idx.SetComplete(false); err != nil {
				t.Fatal(err)
			}
			idx.Close()
		}, "db1", false, false},
		{"garbage", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "db1", false, true},
		{"first pages overwritten", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(make([]byte, 8192), 0); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}, "db1", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ratings.bolt")
			idx, _ := open(t, path, "db1")
			if err := idx.Put([]seen.Entry{entry(id, time.Now(), time.Time{})}); err != nil {
				t.Fatal(err)
			}
			if err := idx.SetComplete(true); err != nil {
				t.Fatal(err)
			}
			idx.Close()
			tt.prepare(t, path)
			again, aside := open(t, path, tt.database)
			if _, ok, err := again.Get(id); err != nil || ok != tt.kept {
				t.Errorf("entry found %v (%v), want %v", ok, err, tt.kept)
			}
			if complete, _ := again.Complete(); complete != tt.kept {
				t.Errorf("complete %v, want %v", complete, tt.kept)
			}
			if (aside != "") != tt.setAside {
				t.Errorf("set aside %q, want %v", aside, tt.setAside)
			}
			if aside != "" {
				if _, err := os.Stat(aside); err != nil {
					t.Errorf("the file set aside: %v", err)
				}
			}
		})
	}
}
