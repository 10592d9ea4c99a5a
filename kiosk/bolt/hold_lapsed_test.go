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
	if _, _, err := o.RecordHeld(&r, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err := o.Amend(r.ID, false, func(r *hailong.Rating) error {
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
