package e2e

import (
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/kiosk/bolt"
	"hailong/kiosk/uploader"
	"hailong/syncapi"
)

// TestUploadTimesAreJudgedByTheKiosksClock: the aggregator measures a
// kiosk's clock from the sent_at of its upload and judges the ratings'
// times by it: a kiosk two hours fast has its ratings of a minute ago
// taken, and one from after it sent the upload refused. Without sent_at
// its times are judged by the aggregator's clock.
func TestUploadTimesAreJudgedByTheKiosksClock(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-fast", centre)
	rating := func(at time.Time) hailong.Rating {
		return hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
			Answers: hailong.Answers{"overall": hailong.Int(3)}}, Channel: hailong.ChannelKiosk, Unit: centre, Kiosk: "kiosk-fast",
			At: at.UTC().Truncate(time.Millisecond)}
	}
	upload := func(req syncapi.Request) []syncapi.Status {
		t.Helper()
		res := syncOK(t, agg.URL(), cred, req)
		var out []syncapi.Status
		for _, r := range res.Results {
			out = append(out, r.Status)
		}
		return out
	}
	kioskNow := time.Now().Add(2 * time.Hour) // the kiosk's clock is two hours fast
	got := upload(syncapi.Request{SentAt: &kioskNow, Ratings: []hailong.Rating{rating(kioskNow.Add(-time.Minute)), rating(kioskNow.Add(30 * time.Minute))}})
	if want := []syncapi.Status{syncapi.Accepted, syncapi.Rejected}; !slices.Equal(got, want) {
		t.Fatalf("with sent_at: %v, want %v", got, want)
	}
	got = upload(syncapi.Request{Ratings: []hailong.Rating{rating(time.Now()), rating(kioskNow)}})
	if want := []syncapi.Status{syncapi.Accepted, syncapi.Rejected}; !slices.Equal(got, want) {
		t.Fatalf("without sent_at: %v, want %v", got, want)
	}
}

// TestRefusedRatingsGroupByFieldNotByText has a real aggregator refuse
// three future-dated ratings, each with its own time in the reason's text:
// the kiosk's outbox, the `kiosk requeue` listing and the fleet list show
// one reason, "rejected [at]", with count 3, and each rating keeps its
// full text for the operator.
func TestRefusedRatingsGroupByFieldNotByText(t *testing.T) {
	agg := startAggregator(t, t.TempDir(), "127.0.0.1:0")
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-group", centre)
	box, err := bolt.Open(filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	for i := range 3 {
		r := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
			Answers: hailong.Answers{"overall": hailong.Int(3)}}, Channel: hailong.ChannelKiosk, Unit: centre, Kiosk: "kiosk-group",
			At: time.Now().Add(time.Hour + time.Duration(i)*time.Minute).UTC().Truncate(time.Millisecond)}
		if _, _, err := box.Record(&r); err != nil {
			t.Fatal(err)
		}
	}
	u := uploader.New(uploader.Config{Outbox: box, Aggregator: agg.URL(), Credential: cred, Unit: centre,
		Health: func() syncapi.Health {
			st, _ := box.Stats()
			return syncapi.Health{Failed: st.Failed, FailedReasons: st.FailedReasons, FreeDisk: -1}
		},
		Logger: slog.New(slog.DiscardHandler)})
	if n, err := u.SyncOnce(t.Context()); n != 3 || err != nil {
		t.Fatalf("upload: %d, %v; want 3 settled (refused)", n, err)
	}
	st, err := box.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"rejected [at]": 3}; !maps.Equal(st.FailedReasons, want) {
		t.Errorf("outbox failed reasons %v, want %v", st.FailedReasons, want)
	}
	failed, _ := box.Failed()
	for id, text := range failed {
		if !strings.Contains(text, "in the future") {
			t.Errorf("rating %s keeps %q, want the aggregator's full reason", id, text)
		}
	}
	// The next contact (a heartbeat: nothing is queued) reports it.
	if _, err := u.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	ks := fleetOf(t, agg.URL(), "")
	if len(ks) != 1 || len(ks[0].FailedReasons) != 1 || ks[0].FailedReasons[0] != (reason{"rejected [at]", 3}) {
		t.Errorf("fleet: %+v, want one reason with count 3", ks)
	}
}
