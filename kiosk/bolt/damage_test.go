package bolt_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/kiosk/bolt"
	"hailong/syncapi"
)

// recordN records n ratings and returns them in order.
func recordN(t *testing.T, o *bolt.Outbox, n int) []hailong.Rating {
	t.Helper()
	var out []hailong.Rating
	for i := 0; i < n; i++ {
		r := rating(hailong.NewID(), 1+i%3)
		if _, _, err := o.Record(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// damage flips bytes in the stored value of one rating, in the closed file
// at path: find locates the value by the rating's id, at is the offset from
// there of the byte to change (from its end if negative) and with is what
// to XOR it with. Every copy
// bbolt keeps (old pages included) is changed.
func damage(t *testing.T, path, id string, find func(id string) []byte, at int, with byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	needle, n := find(id), 0
	if at < 0 {
		at += len(needle)
	}
	for i := bytes.Index(b, needle); i >= 0; {
		b[i+at] ^= with
		n++
		j := bytes.Index(b[i+1:], needle)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if n == 0 {
		t.Fatalf("value of %s not found in %s", id, path)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func valueStart(id string) []byte { return []byte(`{"rating":{"id":"` + id + `"`) }

func ids(rs []hailong.Rating) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// pendingIDs returns the ids Pending gives, requiring no error.
func pendingIDs(t *testing.T, o *bolt.Outbox) []string {
	t.Helper()
	p, err := o.Pending(1 << 20)
	if err != nil {
		t.Fatalf("pending: %v", err)
	}
	return ids(p)
}

func without(s []string, drop string) []string {
	var out []string
	for _, v := range s {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

func TestUnreadableEntryIsQuarantined(t *testing.T) {
	for _, tc := range []struct {
		name string
		find func(string) []byte
		at   int
		with byte
	}{
		// '{' becomes a byte JSON cannot start with.
		{"json broken", valueStart, 0, 0xff},
		// A digit of an answer changes: still valid JSON, a different rating.
		{"answer changed", nil, -1, 0x03},
		// A character of the stored id changes.
		{"id changed", valueStart, len(`{"rating":{"id":"`), 0x01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "o.db")
			o := open(t, path)
			rs := recordN(t, o, 5)
			o.Close()
			bad := rs[2].ID
			find := tc.find
			if find == nil {
				// From the value's start to the digit of its answer, so
				// that only rs[2]'s answer changes.
				find = func(id string) []byte { return answersOf(t, path, id) }
			}
			damage(t, path, bad, find, tc.at, tc.with)

			o = open(t, path)
			defer o.Close()
			if got, want := pendingIDs(t, o), without(ids(rs), bad); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("pending = %v, want every other rating in order %v", got, want)
			}
			st := stats(t, o)
			if st.Queued != 4 || st.Quarantined != 1 || len(st.QuarantineReasons) != 1 {
				t.Errorf("after quarantine: queued %d quarantined %d reasons %v, want 4, 1, one reason", st.Queued, st.Quarantined, st.QuarantineReasons)
			}
			q, err := o.Quarantine()
			if err != nil || len(q) != 1 {
				t.Fatalf("quarantine = %v, %v", q, err)
			}
			if q[0].ID != bad || q[0].Was != "queued" || len(q[0].Raw) == 0 || q[0].Error == "" {
				t.Errorf("quarantine entry = %+v", q[0])
			}
			var results []syncapi.Result
			for _, id := range without(ids(rs), bad) {
				results = append(results, syncapi.Result{ID: id, Status: syncapi.Accepted})
			}
			if err := o.Settle(results, time.Now()); err != nil {
				t.Fatal(err)
			}
			if st := stats(t, o); st.Queued != 0 || st.Synced != 4 || st.Quarantined != 1 {
				t.Errorf("after settle: %+v", st)
			}
			// The terminal re-sends the quarantined rating: it is taken again.
			again := rs[2]
			if _, created, err := o.Record(&again); err != nil || !created {
				t.Errorf("re-sent quarantined rating: created %v, err %v", created, err)
			}
			if got := pendingIDs(t, o); len(got) != 1 || got[0] != bad {
				t.Errorf("pending after re-send = %v", got)
			}
		})
	}
}

// answersOf finds the answers of the value holding id: the value is
// {"rating":{"id":…,…,"answers":{…}}; the needle is from the id on.
func answersOf(t *testing.T, path, id string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, valueStart(id))
	j := bytes.Index(b[i:], []byte(`"answers":{"overall":`))
	if i < 0 || j < 0 {
		t.Fatalf("answers of %s not found", id)
	}
	return b[i : i+j+len(`"answers":{"overall":`)+1]
}

func TestUnreadableEntryOutsideTheQueue(t *testing.T) {
	for _, tc := range []struct {
		name  string
		state func(t *testing.T, o *bolt.Outbox, r hailong.Rating)
		act   func(t *testing.T, o *bolt.Outbox, r hailong.Rating)
		want  bolt.Stats
		was   string
	}{
		{
			name: "settle meets it",
			state: func(t *testing.T, o *bolt.Outbox, r hailong.Rating) {
				if _, err := o.Pending(10); err != nil { // sent before the damage
					t.Fatal(err)
				}
			},
			act: func(t *testing.T, o *bolt.Outbox, r hailong.Rating) {
				if err := o.Settle([]syncapi.Result{{ID: r.ID, Status: syncapi.Accepted}}, time.Now()); err != nil {
					t.Fatalf("settle: %v", err)
				}
			},
			want: bolt.Stats{Queued: 1, Quarantined: 1},
			was:  "queued",
		},
		{
			name: "a re-send meets it",
			state: func(t *testing.T, o *bolt.Outbox, r hailong.Rating) {
				settle(t, o, r.ID, syncapi.Accepted)
			},
			act: func(t *testing.T, o *bolt.Outbox, r hailong.Rating) {
				if _, created, err := o.Record(&r); err != nil || !created {
					t.Fatalf("re-send: created %v, err %v", created, err)
				}
			},
			want: bolt.Stats{Queued: 2, Synced: 1, Quarantined: 1},
			was:  "not queued",
		},
		{
			name: "requeue meets it",
			state: func(t *testing.T, o *bolt.Outbox, r hailong.Rating) {
				settle(t, o, r.ID, syncapi.Rejected)
			},
			act: func(t *testing.T, o *bolt.Outbox, r hailong.Rating) {
				if n, err := o.Requeue(func(string, string) bool { return true }); err != nil || n != 0 {
					t.Fatalf("requeue: %d, %v", n, err)
				}
			},
			want: bolt.Stats{Queued: 1, Quarantined: 1},
			was:  "failed: rejected: no",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "o.db")
			o := open(t, path)
			rs := recordN(t, o, 2)
			tc.state(t, o, rs[0])
			o.Close()
			damage(t, path, rs[0].ID, valueStart, 0, 0xff)
			o = open(t, path)
			defer o.Close()
			tc.act(t, o, rs[0])
			st := stats(t, o)
			if st.Queued != tc.want.Queued || st.Synced != tc.want.Synced || st.Failed != tc.want.Failed || st.Quarantined != tc.want.Quarantined {
				t.Errorf("stats = %+v, want %+v", st, tc.want)
			}
			q, _ := o.Quarantine()
			if len(q) != 1 || q[0].ID != rs[0].ID || q[0].Was != tc.was {
				t.Errorf("quarantine = %+v, want %s, was %q", q, rs[0].ID, tc.was)
			}
		})
	}
}

func settle(t *testing.T, o *bolt.Outbox, id string, status syncapi.Status) {
	t.Helper()
	if err := o.Settle([]syncapi.Result{{ID: id, Status: status, Reason: "no"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func digest(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestOpenRefusesADamagedFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"empty", func(t *testing.T, path string) { truncate(t, path, 0) }, "empty"},
		{"truncated", func(t *testing.T, path string) { truncate(t, path, size(t, path)/2) }, "truncated"},
		{"cut inside the meta pages", func(t *testing.T, path string) { truncate(t, path, 100) }, "meta"},
		{"not a bbolt file", func(t *testing.T, path string) {
			os.WriteFile(path, bytes.Repeat([]byte("hài lòng "), 4000), 0o600)
		}, "meta"},
		{"root page zeroed", func(t *testing.T, path string) {
			root, pageSize := rootPage(t, path)
			zeroPage(t, path, root, pageSize)
		}, "consistency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "o.db")
			o := open(t, path)
			recordN(t, o, 60)
			o.Close()
			tc.damage(t, path)
			before := digest(t, path)
			o, err := bolt.Open(path)
			if err == nil {
				o.Close()
				t.Fatal("opened a damaged file")
			}
			if !errors.Is(err, bolt.ErrUnusable) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want ErrUnusable naming the file and %q", err, tc.want)
			}
			if digest(t, path) != before {
				t.Error("the damaged file was changed")
			}
		})
	}
}

func TestOpenCreatesOnlyAMissingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "o.db")
	o := open(t, path)
	if st := stats(t, o); st.Queued != 0 {
		t.Errorf("new outbox: %+v", st)
	}
	if _, err := bolt.Open(path); !errors.Is(err, bolt.ErrInUse) {
		t.Errorf("second open while in use: %v, want ErrInUse", err)
	}
	o.Close()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data directory holds %v, want only the outbox", entries)
	}
}

func truncate(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

func size(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// rootPage reads the root bucket's page id from the newest meta page.
func rootPage(t *testing.T, path string) (root, pageSize int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := int64(binary.LittleEndian.Uint32(b[16+8:]))
	var txid uint64
	for _, off := range []int64{0, ps} {
		m := b[off+16:]
		if id := binary.LittleEndian.Uint64(m[48:]); id >= txid {
			txid, root = id, int64(binary.LittleEndian.Uint64(m[16:]))
		}
	}
	return root, ps
}

func zeroPage(t *testing.T, path string, page, pageSize int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, pageSize), page*pageSize); err != nil {
		t.Fatal(err)
	}
}
