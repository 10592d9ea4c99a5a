package bolt_test

import (
	"path/filepath"
	"testing"
	"time"

	"hailong"
	"hailong/syncapi"
)

// TestHeldRatingIsAmendedUnderItsOwnID follows a one-tap rating: held out
// of the queue while the citizen answers follow-ups, amended in place,
// queued once when done, and closed to changes afterwards, so the
// aggregator sees one rating with one content.
func TestHeldRatingIsAmendedUnderItsOwnID(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer o.Close()
	r := rating(hailong.NewID(), 3)
	if _, created, err := o.RecordHeld(&r, time.Now().Add(time.Hour), "t1"); err != nil || !created {
		t.Fatalf("record held: created=%v err=%v", created, err)
	}
	pending := func() []hailong.Rating {
		t.Helper()
		p, err := o.Pending(10)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := pending(); len(p) != 0 {
		t.Fatalf("a held rating is offered for upload: %+v", p)
	}
	setAnswers := func(a hailong.Answers) func(r *hailong.Rating) error {
		return func(r *hailong.Rating) error { r.Answers = a; return nil }
	}
	first := hailong.Answers{"overall": hailong.Int(3), "attitude": hailong.Int(2)}
	if _, err := o.Amend(r.ID, "t1", false, setAnswers(first)); err != nil {
		t.Fatal(err)
	}
	if p := pending(); len(p) != 0 {
		t.Fatalf("an amended, still open rating is offered for upload: %+v", p)
	}
	final := hailong.Answers{"overall": hailong.Int(3), "attitude": hailong.Int(2), "comment": hailong.Str("Nhanh")}
	if _, err := o.Amend(r.ID, "t1", true, setAnswers(final)); err != nil {
		t.Fatal(err)
	}
	p := pending()
	if len(p) != 1 || p[0].ID != r.ID || len(p[0].Answers) != 3 {
		t.Fatalf("after done, pending = %+v, want the one rating with three answers", p)
	}
	if st := stats(t, o); st.Queued != 1 {
		t.Errorf("queued = %d, want 1", st.Queued)
	}
	t.Run("done again with the same answers", func(t *testing.T) {
		if _, err := o.Amend(r.ID, "t1", true, setAnswers(final)); err != nil {
			t.Errorf("a re-sent done: %v", err)
		}
	})
	t.Run("other answers after done", func(t *testing.T) {
		_, err := o.Amend(r.ID, "t1", true, setAnswers(first))
		if hailong.ErrorCode(err) != hailong.ECONFLICT {
			t.Errorf("err = %v, want conflict", err)
		}
	})
	t.Run("the tap re-sent", func(t *testing.T) {
		again := rating(r.ID, 3)
		again.At = r.At
		if _, created, err := o.Record(&again); err != nil || created {
			t.Errorf("re-sent tap: created=%v err=%v, want the stored rating", created, err)
		}
	})
	if err := o.Settle([]syncapi.Result{{ID: r.ID, Status: syncapi.Accepted}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if st := stats(t, o); st.Queued != 0 || st.Synced != 1 {
		t.Errorf("after upload: queued %d, synced %d; want 0 and 1", st.Queued, st.Synced)
	}
	if _, err := o.Amend(r.ID, "t1", true, setAnswers(first)); hailong.ErrorCode(err) != hailong.ECONFLICT {
		t.Errorf("amending an uploaded rating: err = %v, want conflict", err)
	}
}

// TestHeldRatingGoesWhenItsHoldPasses: a terminal that never says done
// (power cut, walked away with the network down) does not keep its rating
// from the aggregator; the rating goes as it stands and is closed.
func TestHeldRatingGoesWhenItsHoldPasses(t *testing.T) {
	o := open(t, filepath.Join(t.TempDir(), "o.db"))
	defer o.Close()
	open, due := rating(hailong.NewID(), 2), rating(hailong.NewID(), 1)
	if _, _, err := o.RecordHeld(&open, time.Now().Add(time.Hour), "t1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.RecordHeld(&due, time.Now().Add(-time.Second), "t1"); err != nil {
		t.Fatal(err)
	}
	p, err := o.Pending(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 1 || p[0].ID != due.ID {
		t.Fatalf("pending = %+v, want only the rating whose hold passed", p)
	}
	_, err = o.Amend(due.ID, "t1", true, func(r *hailong.Rating) error { r.Answers["attitude"] = hailong.Int(0); return nil })
	if hailong.ErrorCode(err) != hailong.ECONFLICT {
		t.Errorf("amending a released rating: err = %v, want conflict", err)
	}
	if _, err := o.Amend(hailong.NewID(), "t1", true, func(*hailong.Rating) error { return nil }); hailong.ErrorCode(err) != hailong.ENOTFOUND {
		t.Errorf("amending an unknown id: err = %v, want not found", err)
	}
}
