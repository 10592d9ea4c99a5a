package bolt_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"hailong"
	"hailong/kiosk/bolt"
	"hailong/syncapi"
)

func TestRequeue(t *testing.T) {
	for _, tc := range []struct {
		name        string
		match       func(id, reason string) bool
		moved       int
		leftReasons map[string]int64
	}{
		{"all", func(string, string) bool { return true }, 3, map[string]int64{}},
		{"by reason", func(_, reason string) bool { return strings.Contains(reason, "questionnaire") }, 2,
			map[string]int64{"rejected [unit]": 1}},
		{"by id", nil, 1, map[string]int64{"rejected [questionnaire]": 1, "rejected [unit]": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := open(t, filepath.Join(t.TempDir(), "o.db"))
			defer o.Close()
			rs := recordN(t, o, 4)
			err := o.Settle([]syncapi.Result{
				{ID: rs[0].ID, Status: syncapi.Rejected, Reason: "unknown questionnaire version", Fields: []string{"questionnaire"}},
				{ID: rs[1].ID, Status: syncapi.Rejected, Reason: "unit mismatch", Fields: []string{"unit"}},
				{ID: rs[2].ID, Status: syncapi.Rejected, Reason: "unknown questionnaire version", Fields: []string{"questionnaire"}},
			}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			match := tc.match
			if match == nil {
				match = func(id, _ string) bool { return id == rs[0].ID }
			}
			moved, err := o.Requeue(match)
			if err != nil || moved != tc.moved {
				t.Fatalf("requeue: moved %d, %v; want %d", moved, err, tc.moved)
			}
			st := stats(t, o)
			if st.Queued != int64(1+tc.moved) || st.Failed != int64(3-tc.moved) || fmt.Sprint(st.FailedReasons) != fmt.Sprint(tc.leftReasons) {
				t.Errorf("stats = queued %d failed %d reasons %v; want %d, %d, %v", st.Queued, st.Failed, st.FailedReasons, 1+tc.moved, 3-tc.moved, tc.leftReasons)
			}
			// Requeued ratings take their old place: the queue stays oldest first.
			got := pendingIDs(t, o)
			for i := 1; i < len(got); i++ {
				if got[i] < got[i-1] {
					t.Errorf("pending out of order: %v", got)
				}
			}
		})
	}
}

func TestPruneKeepsIdsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	o := open(t, path)
	rs := recordN(t, o, 4)
	t0 := time.Now()
	settleAt(t, o, t0, rs[0].ID, rs[1].ID)
	settleAt(t, o, t0.Add(time.Hour), rs[2].ID)

	n, err := o.Prune(t0.Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("prune: %d, %v; want 2", n, err)
	}
	if n, _ := o.Prune(t0.Add(time.Minute)); n != 0 {
		t.Errorf("second prune removed %d", n)
	}
	st := stats(t, o)
	if st.Pruned != 2 || st.Synced != 3 || st.Queued != 1 {
		t.Errorf("stats after prune = %+v", st)
	}
	o.Close()
	o = open(t, path)
	defer o.Close()
	// A pruned rating's tombstone still tells when it was given.
	if at, ok, err := o.RatedAt(rs[0].ID); err != nil || !ok || !at.Equal(rs[0].At) {
		t.Errorf("RatedAt of a pruned rating: %v, %v, %v; want %v", at, ok, err, rs[0].At)
	}
	// A late re-send of a pruned rating is not a new rating.
	again := rs[0]
	if _, created, err := o.Record(&again); err != nil || created {
		t.Errorf("re-sent pruned rating: created %v, err %v; want already recorded", created, err)
	}
	other := rs[1]
	other.Answers = hailong.Answers{"overall": hailong.Int(3)}
	if _, _, err := o.Record(&other); hailong.ErrorCode(err) != hailong.ECONFLICT {
		t.Errorf("pruned id with other content: %v, want conflict", err)
	}
	if st := stats(t, o); st.Queued != 1 {
		t.Errorf("queued after re-sends = %d, want 1", st.Queued)
	}
}

func settleAt(t *testing.T, o *bolt.Outbox, at time.Time, ids ...string) {
	t.Helper()
	var res []syncapi.Result
	for _, id := range ids {
		res = append(res, syncapi.Result{ID: id, Status: syncapi.Accepted})
	}
	if err := o.Settle(res, at); err != nil {
		t.Fatal(err)
	}
}

// TestPruneAFileOfTheFirstVersion opens an outbox written before the
// synced index and the checksums: its synced ratings are pruned too.
func TestPruneAFileOfTheFirstVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	synced, queued := rating(hailong.NewID(), 1), rating(hailong.NewID(), 2)
	err = db.Update(func(tx *bbolt.Tx) error {
		b := map[string]*bbolt.Bucket{}
		for _, name := range []string{"ratings", "queue", "failed", "meta"} {
			b[name], _ = tx.CreateBucket([]byte(name))
		}
		for i, r := range []hailong.Rating{synced, queued} {
			v, _ := json.Marshal(map[string]any{"rating": r, "submitted": r.Submission.Digest(), "seq": i + 1})
			b["ratings"].Put([]byte(r.ID), v)
		}
		b["queue"].Put([]byte{0, 0, 0, 0, 0, 0, 0, 2}, []byte(queued.ID))
		b["meta"].Put([]byte("queued"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	o := open(t, path)
	defer o.Close()
	if got := pendingIDs(t, o); len(got) != 1 || got[0] != queued.ID {
		t.Errorf("pending = %v, want the queued one", got)
	}
	if n, err := o.Prune(time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("prune = %d, %v; want the synced one", n, err)
	}
}

func TestCompactionSurvivesACrashAtEveryStep(t *testing.T) {
	for _, step := range []string{"", "copied", "checked", "closed", "renamed", "synced"} {
		t.Run("after "+step, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "o.db")
			o := open(t, path)
			rs := recordN(t, o, 120)
			settleAt(t, o, time.Now(), ids(rs[:100])...)
			if n, err := o.Prune(time.Now().Add(time.Hour)); err != nil || n != 100 {
				t.Fatalf("prune: %d, %v", n, err)
			}
			free, _, err := o.Reclaimable()
			if err != nil || free <= 0 {
				t.Fatalf("reclaimable = %d, %v", free, err)
			}
			before := size(t, path)
			if step != "" {
				defer bolt.StopCompactionAfter(step)()
				if err := o.Compact(); err == nil {
					t.Fatal("compaction did not stop")
				}
				o.Close()
				o = open(t, path)
			} else if err := o.Compact(); err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if got, want := pendingIDs(t, o), ids(rs[100:]); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("pending after compaction = %d ratings, want the 20 queued", len(got))
			}
			if st := stats(t, o); st.Queued != 20 || st.Synced != 100 || st.Pruned != 100 {
				t.Errorf("stats after compaction = %+v", st)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("data directory holds %v, want only the outbox", entries)
			}
			if step == "" && size(t, path) >= before {
				t.Errorf("compaction left %d bytes of %d", size(t, path), before)
			}
			r := rating(hailong.NewID(), 3)
			if _, created, err := o.Record(&r); err != nil || !created {
				t.Errorf("record after compaction: %v", err)
			}
		})
	}
}

// TestAFailedReopenAfterCompactionSaysSo: when the compacted file cannot be
// opened again the outbox is closed; Compact's error wraps ErrReopen, for
// the node to end and be restarted, and Writable says it cannot record.
// The file at the path is the compacted outbox, whole.
func TestAFailedReopenAfterCompactionSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	o := open(t, path)
	rs := recordN(t, o, 120)
	settleAt(t, o, time.Now(), ids(rs[:100])...)
	if _, err := o.Prune(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	restore := bolt.FailReopen()
	err := o.Compact()
	restore()
	if !errors.Is(err, bolt.ErrReopen) {
		t.Fatalf("compact = %v, want ErrReopen", err)
	}
	if err := o.Writable(); err == nil {
		t.Error("Writable = nil on a closed outbox")
	}
	o = open(t, path)
	defer o.Close()
	if st := stats(t, o); st.Queued != 20 || st.Pruned != 100 {
		t.Errorf("stats after the restart = %+v", st)
	}
}
