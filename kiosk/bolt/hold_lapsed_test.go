package bolt_test

import (
	"path/filepath"
	"testing"
	"time"

	"hailong"
)

// A held rating whose follow-up window has passed cannot be amended, even
// when no upload has run since (aggregator down, uploader in backoff); it
// is queued as it stood.
func TestAmendAfterTheFollowUpWindowIsRefused(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer o.Close()
	r := rating(hailong.NewID(), 3)
	if _, _, err := o.RecordHeld(&r, time.Now().Add(-time.Hour), "t1"); err != nil {
		t.Fatal(err)
	}
	_, err := o.Amend(r.ID, "t1", false, func(r *hailong.Rating) error {
		r.Answers = hailong.Answers{"overall": hailong.Int(3), "comment": hailong.Str("một giờ sau")}
		return nil
	})
	if err == nil {
		t.Errorf("a rating an hour past its follow-up window was amended")
	}
	st, err := o.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Held != 0 || st.Queued != 1 {
		t.Errorf("held %d, queued %d: the lapsed rating is queued as it stood", st.Held, st.Queued)
	}
}

// A rating held for its follow-ups under a wrong unit is re-stamped by
// Reassign like a queued one: it would otherwise be queued unchanged when
// its hold closes, and deferred for ever.
func TestReassignReachesHeldRatings(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer o.Close()
	queued, held := rating(hailong.NewID(), 3), rating(hailong.NewID(), 2)
	queued.Unit, held.Unit = "TT-WRONG", "TT-WRONG"
	if _, _, err := o.Record(&queued); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.RecordHeld(&held, time.Now().Add(time.Hour), "t1"); err != nil {
		t.Fatal(err)
	}
	units, err := o.QueuedUnits()
	if err != nil || units["TT-WRONG"] != 2 {
		t.Fatalf("waiting by unit %v, %v: want both ratings", units, err)
	}
	n, err := o.Reassign("TT-09190", func(from string) bool { return from == "TT-WRONG" })
	if err != nil || n != 2 {
		t.Fatalf("reassigned %d, %v: want the queued and the held rating", n, err)
	}
	got, err := o.Amend(held.ID, "t1", true, func(*hailong.Rating) error { return nil })
	if err != nil || got.Unit != "TT-09190" {
		t.Fatalf("the held rating closed as %q, %v", got.Unit, err)
	}
}
