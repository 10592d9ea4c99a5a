package terminals_test

import (
	"testing"
	"time"

	"hailong/kiosk/counter"
	"hailong/kiosk/terminals"
	"hailong/misuse"
)

type memStore map[string][]byte

func (m memStore) PutTerminal(id string, b []byte) error { m[id] = b; return nil }
func (m memStore) Terminals(fn func(string, []byte) error) error {
	for id, b := range m {
		if err := fn(id, b); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkTapChecks is what issue 11 adds to every tap at a counter's
// tablet, beside the HTTP and the fsync: the device token's check, the
// misuse check and note, and the look for an opened rating.
//
//	go test -run '^$' -bench TapChecks ./kiosk/terminals
func BenchmarkTapChecks(b *testing.B) {
	r, err := terminals.Open(terminals.Config{Store: memStore{}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 50 { // a centre's screens
		r.Issue(terminals.Screen, "quay-"+string(rune('a'+i%26))+string(rune('a'+i/26)), "Q1")
	}
	_, token, _ := r.Issue(terminals.Screen, "quay-1", "Q1")
	w := misuse.New(misuse.Config{})
	board := counter.New(0, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t, ok := r.Check(token)
		if !ok {
			b.Fatal("token refused")
		}
		now := time.Now()
		w.Flags(t.ID, now)
		board.Take(t.Counter, "id")
		w.Note(t.ID, now)
	}
}
