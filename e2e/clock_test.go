package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"hailong"
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
	h := http.Header{"Authorization": {"Bearer " + cred.String()}}
	rating := func(at time.Time) hailong.Rating {
		return hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
			Answers: hailong.Answers{"overall": hailong.Int(3)}}, Channel: hailong.ChannelKiosk, Unit: centre, Kiosk: "kiosk-fast",
			At: at.UTC().Truncate(time.Millisecond)}
	}
	upload := func(req syncapi.Request) []syncapi.Status {
		t.Helper()
		status, body := postJSON(t, agg.URL()+syncapi.Path, req, h)
		var res syncapi.Response
		if err := json.Unmarshal(body, &res); status != 200 || err != nil {
			t.Fatalf("upload: %d %s", status, body)
		}
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
