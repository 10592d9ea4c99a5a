package bolt_test

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/kiosk/bolt"
	"hailong/syncapi"
)

func open(t *testing.T, path string) *bolt.Outbox {
	t.Helper()
	o, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func rating(id string, overall int) hailong.Rating {
	return hailong.Rating{ID: id, Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1, Answers: hailong.Answers{"overall": hailong.Int(overall)}},
		Channel: hailong.ChannelKiosk, Unit: "TT-1", Kiosk: "k1", At: time.Now().UTC().Truncate(time.Millisecond)}
}

func stats(t *testing.T, o *bolt.Outbox) bolt.Stats {
	t.Helper()
	st, err := o.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRecordIsIdempotent(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer o.Close()
	r := rating(hailong.NewID(), 2)
	if _, created, err := o.Record(&r); err != nil || !created {
		t.Fatalf("first record: created=%v err=%v", created, err)
	}
	again := r
	again.At = r.At.Add(time.Second) // a retry is stamped later; it is the same rating
	got, created, err := o.Record(&again)
	if err != nil || created || !got.At.Equal(r.At) {
		t.Fatalf("same content again: created=%v err=%v at=%v", created, err, got.At)
	}
	other := r
	other.Answers = hailong.Answers{"overall": hailong.Int(1)}
	if _, _, err := o.Record(&other); hailong.ErrorCode(err) != hailong.ECONFLICT {
		t.Fatalf("other content: err=%v, want conflict", err)
	}
	if st := stats(t, o); st.Queued != 1 {
		t.Errorf("queued = %d, want 1", st.Queued)
	}
}

func TestQueueSurvivesReopenAndSettles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	o := open(t, path)
	var ids []string
	for i := 0; i < 5; i++ {
		r := rating(hailong.NewID(), 1+i%3)
		if _, _, err := o.Record(&r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	o.Close()

	o = open(t, path)
	defer o.Close()
	pending, err := o.Pending(3)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 3 || pending[0].ID != ids[0] || pending[2].ID != ids[2] {
		t.Fatalf("pending = %v, want the three oldest in order", pending)
	}
	now := time.Now()
	err = o.Settle([]syncapi.Result{
		{ID: ids[0], Status: syncapi.Accepted},
		{ID: ids[1], Status: syncapi.Duplicate},
		{ID: ids[2], Status: syncapi.Rejected, Reason: "unit mismatch"},
		{ID: ids[0], Status: syncapi.Accepted},          // answered twice: counted once
		{ID: hailong.NewID(), Status: syncapi.Accepted}, // not ours
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	st := stats(t, o)
	if st.Queued != 2 || st.Synced != 2 || st.Failed != 1 || st.LastSync == nil {
		t.Errorf("stats = %+v, want queued 2, synced 2, failed 1, last sync set", st)
	}
	failed, _ := o.Failed()
	if failed[ids[2]] != "rejected: unit mismatch" {
		t.Errorf("failed = %v", failed)
	}
	pending, _ = o.Pending(10)
	if len(pending) != 2 || pending[0].ID != ids[3] {
		t.Errorf("pending after settle = %v", pending)
	}
}

func TestStatsForFleetHealth(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer o.Close()
	if st := stats(t, o); st.OldestQueued != nil || st.LastRating != nil || st.Quarantined != 0 {
		t.Fatalf("empty outbox stats = %+v", st)
	}
	first, second := rating(hailong.NewID(), 1), rating(hailong.NewID(), 2)
	second.At = first.At.Add(time.Minute)
	for _, r := range []*hailong.Rating{&first, &second} {
		if _, _, err := o.Record(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Settle([]syncapi.Result{{ID: first.ID, Status: syncapi.Rejected, Reason: "unknown unit"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	st := stats(t, o)
	if st.OldestQueued == nil || !st.OldestQueued.Equal(second.At) {
		t.Errorf("oldest queued = %v, want %v", st.OldestQueued, second.At)
	}
	if st.LastRating == nil {
		t.Error("last rating not set")
	}
	if st.FailedReasons["rejected"] != 1 || len(st.FailedReasons) != 1 { // an answer naming no field groups by status
		t.Errorf("failed reasons = %v", st.FailedReasons)
	}
}

// TestFailedRatingsGroupByStatusAndFields: refused ratings are counted by
// status and the fields at fault, not by the reason's text, which quotes
// each rating's own values; an answer without fields (an older aggregator,
// like entries filed before fields) groups by status. Each keeps its text.
func TestFailedRatingsGroupByStatusAndFields(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer o.Close()
	answers := []syncapi.Result{
		{Status: syncapi.Rejected, Reason: "at: 2030-01-01T00:00:00Z is in the future", Fields: []string{"at"}},
		{Status: syncapi.Rejected, Reason: "at: 2030-01-02T00:00:00Z is in the future", Fields: []string{"at"}},
		{Status: syncapi.Rejected, Reason: "at: 2030-01-03T00:00:00Z is in the future", Fields: []string{"at"}},
		{Status: syncapi.Rejected, Reason: "kiosk: k2, unit: TT-9", Fields: []string{"kiosk", "unit"}},
		{Status: syncapi.Conflict, Reason: "a rating with this id and other content is already stored", Fields: []string{"id"}},
		{Status: syncapi.Rejected, Reason: "old aggregator, quoting 2030-01-04"},
		{Status: syncapi.Rejected, Reason: "old aggregator, quoting 2030-01-05"},
	}
	for i := range answers {
		r := rating(hailong.NewID(), 2)
		if _, _, err := o.Record(&r); err != nil {
			t.Fatal(err)
		}
		answers[i].ID = r.ID
	}
	if err := o.Settle(answers, time.Now()); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"rejected [at]": 3, "rejected [kiosk,unit]": 1, "conflict [id]": 1, "rejected": 2}
	if got := stats(t, o).FailedReasons; !maps.Equal(got, want) {
		t.Errorf("failed reasons %v, want %v", got, want)
	}
	failed, err := o.Failed()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range answers {
		if text := failed[a.ID]; !strings.HasSuffix(text, ": "+a.Reason) || bolt.FailedGroup(text) == text {
			t.Errorf("rating %s keeps %q, want its group and the full reason %q", a.ID, text, a.Reason)
		}
	}
}

// TestPendingAfterWalksTheQueueBySequence: the uploader's walk past
// deferred ratings reads the queue after a sequence, oldest first, with the
// sequences; settled ratings leave gaps it steps over.
func TestPendingAfterWalksTheQueueBySequence(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer o.Close()
	rs := recordN(t, o, 6)
	settleAt(t, o, time.Now(), rs[2].ID)
	var walked []string
	var after uint64
	for {
		got, seqs, err := o.PendingAfter(after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(seqs) {
			t.Fatalf("%d ratings, %d sequences", len(got), len(seqs))
		}
		if len(got) == 0 {
			break
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Fatalf("sequences out of order: %v", seqs)
			}
		}
		walked, after = append(walked, ids(got)...), seqs[len(seqs)-1]
	}
	if want := ids(append(rs[:2:2], rs[3:]...)); !slices.Equal(walked, want) {
		t.Errorf("walked %v, want %v", walked, want)
	}
}
