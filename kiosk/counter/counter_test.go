package counter_test

import (
	"testing"
	"testing/synctest"
	"time"

	"hailong/kiosk/counter"
)

// TestAnOpenedRatingIsTakenOnceAndExpires: the counter's next rating takes
// the opening, the same rating sent again takes it again, another does
// not; an opening nobody rates expires after its time, in fake time.
func TestAnOpenedRatingIsTakenOnceAndExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := counter.New(10*time.Minute, nil)
		b.Open(counter.Opening{Counter: "Q1", Dossier: "H15.50.05.13-261008-0975"})
		if o, ok := b.Current("Q1"); !ok || o.Dossier != "H15.50.05.13-261008-0975" || !o.Expires.Equal(time.Now().Add(10*time.Minute).UTC().Truncate(time.Second)) {
			t.Fatalf("current: %+v %v", o, ok)
		}
		if _, ok := b.Current("Q2"); ok {
			t.Error("another counter shows the opening")
		}
		if o, ok := b.Take("Q1", "id-1"); !ok || o.Dossier == "" {
			t.Fatal("the counter's rating did not take the opening")
		}
		if _, ok := b.Take("Q1", "id-1"); !ok {
			t.Error("the same rating sent again was not bound again")
		}
		if _, ok := b.Take("Q1", "id-2"); ok {
			t.Error("a second rating took the opening")
		}
		if _, ok := b.Current("Q1"); ok {
			t.Error("a rated opening is still shown")
		}
		b.Release("Q1", "id-1") // the rating could not be stored
		if _, ok := b.Current("Q1"); !ok {
			t.Error("a released opening is not shown again")
		}

		b.Open(counter.Opening{Counter: "Q3", Dossier: "H15.50.05.13-261008-0976"})
		time.Sleep(10*time.Minute - time.Second)
		if _, ok := b.Current("Q3"); !ok {
			t.Error("expired before its time")
		}
		time.Sleep(time.Second)
		if _, ok := b.Current("Q3"); ok {
			t.Error("still open after 10 minutes")
		}
		if _, ok := b.Take("Q3", "id-3"); ok {
			t.Error("an expired opening was taken")
		}
	})
}
