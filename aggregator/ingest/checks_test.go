package ingest_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// TestDeferredIsForWhatIsNotTheRatingsFault: a rating the aggregator cannot
// take yet for a reason that is not its own (a questionnaire version it
// does not know, a kiosk configured for another unit than its enrolment)
// is deferred, stays with the kiosk and is not stored; a rating invalid in
// itself is rejected, even of an unknown version, when its fault does not
// depend on the questionnaire.
func TestDeferredIsForWhatIsNotTheRatingsFault(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	tests := []struct {
		name   string
		change func(*hailong.Rating)
		want   syncapi.Status
	}{
		{"valid", func(*hailong.Rating) {}, syncapi.Accepted},
		{"a version the aggregator does not know yet", func(r *hailong.Rating) { r.Version = 99 }, syncapi.Deferred},
		{"a questionnaire the aggregator does not know yet", func(r *hailong.Rating) { r.Questionnaire = "counter-quick-2027" }, syncapi.Deferred},
		{"an unknown version, answers not checkable", func(r *hailong.Rating) {
			r.Version, r.Answers = 99, hailong.Answers{"overall": hailong.Int(9), "new_question": hailong.Int(4)}
		}, syncapi.Deferred},
		{"a unit other than the kiosk's enrolment", func(r *hailong.Rating) { r.Unit = "TT-2" }, syncapi.Deferred},
		{"another unit and an unknown version", func(r *hailong.Rating) { r.Unit, r.Version = "TT-2", 99 }, syncapi.Deferred},
		{"an unknown version and an invalid official", func(r *hailong.Rating) { r.Version, r.Official = 99, "no spaces" }, syncapi.Rejected},
		{"an unknown version and no time", func(r *hailong.Rating) { r.Version, r.At = 99, time.Time{} }, syncapi.Rejected},
		{"an unknown version from the future", func(r *hailong.Rating) { r.Version, r.At = 99, now.Add(time.Hour) }, syncapi.Rejected},
		{"another unit and another kiosk", func(r *hailong.Rating) { r.Unit, r.Kiosk = "TT-2", "k2" }, syncapi.Rejected},
		{"another unit and a QR rating", func(r *hailong.Rating) { r.Unit, r.Channel = "TT-2", hailong.ChannelQR }, syncapi.Rejected},
		{"invalid answers", func(r *hailong.Rating) { r.Answers = hailong.Answers{"overall": hailong.Int(9)} }, syncapi.Rejected},
		{"version 0", func(r *hailong.Rating) { r.Version = 0 }, syncapi.Rejected},
		{"no questionnaire", func(r *hailong.Rating) { r.Questionnaire = "" }, syncapi.Rejected},
		{"a questionnaire id that cannot be one", func(r *hailong.Rating) { r.Questionnaire = "a b/c" }, syncapi.Rejected},
	}
	db := ferrettest.Open(t)
	in := newIngester(t, db, 100)
	var accepted int64
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rating(2, now)
			tt.change(&r)
			res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{r})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Status != tt.want {
				t.Fatalf("%s (%s), want %s", res[0].Status, res[0].Reason, tt.want)
			}
			if tt.want == syncapi.Accepted {
				accepted++
				return
			}
			if res[0].Reason == "" {
				t.Error("no reason given")
			}
			if _, known := in.Known(r.ID); known {
				t.Error("the rating was stored")
			}
		})
	}
	if got := in.Rollup().Ratings(); got != accepted {
		t.Errorf("the rollups count %d ratings, want %d", got, accepted)
	}
}

// TestImplausibleTimesAreRefused: a kiosk rating from the future, by the
// kiosk's clock as measured when it uploads or by more than a day by the
// aggregator's, or from before the kiosk's enrolment, is rejected; so is
// an imported rating outside the years the system can have ratings of.
func TestImplausibleTimesAreRefused(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	enrolled := now.Add(-30 * 24 * time.Hour)
	k := hailong.Enrolment{ID: kiosk.ID, Unit: kiosk.Unit, Created: enrolled}
	year := func(y int) time.Time { return time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		at     time.Time
		offset time.Duration // how far the kiosk's clock is behind
		want   syncapi.Status
	}{
		{"now", now, 0, syncapi.Accepted},
		{"a little ahead, within the tolerance", now.Add(4 * time.Minute), 0, syncapi.Accepted},
		{"ten minutes ahead", now.Add(10 * time.Minute), 0, syncapi.Rejected},
		{"ten minutes ahead by a kiosk ten minutes fast", now.Add(10 * time.Minute), -10 * time.Minute, syncapi.Accepted},
		{"after the upload was sent, by a slow kiosk's clock", now.Add(-50 * time.Minute), time.Hour, syncapi.Rejected},
		{"an hour ago by a slow kiosk's clock", now.Add(-2 * time.Hour), time.Hour, syncapi.Accepted},
		{"a year ahead by a kiosk a year fast", now.AddDate(1, 0, 0), -365 * 24 * time.Hour, syncapi.Rejected},
		{"year 9999", year(9999), 0, syncapi.Rejected},
		{"year 1", year(1), 0, syncapi.Rejected},
		{"before the kiosk's enrolment", enrolled.Add(-time.Hour), 0, syncapi.Rejected},
		{"just before the enrolment, within the tolerance", enrolled.Add(-time.Minute), 0, syncapi.Accepted},
		{"an hour before the enrolment by a kiosk an hour slow", enrolled.Add(-time.Hour + time.Minute), time.Hour, syncapi.Accepted},
		{"two days before the enrolment by a kiosk two days slow", enrolled.Add(-48*time.Hour + time.Minute), 48 * time.Hour, syncapi.Rejected},
		{"an hour after the enrolment by a kiosk two hours fast", enrolled.Add(time.Hour), -2 * time.Hour, syncapi.Rejected},
		{"year 1 by a kiosk claiming year 1", year(1), now.Sub(year(1)), syncapi.Rejected},
	}
	in := ingest.New(ingest.Config{Store: ferrettest.Open(t), Catalog: catalog(t), Now: func() time.Time { return now },
		Logger: slog.New(slog.DiscardHandler)})
	if err := in.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rating(2, tt.at)
			res, err := in.Ingest(ctx, k, tt.offset, []hailong.Rating{r})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Status != tt.want {
				t.Fatalf("%s (%s), want %s", res[0].Status, res[0].Reason, tt.want)
			}
			if tt.want == syncapi.Rejected && !strings.Contains(res[0].Reason, "at: ") {
				t.Errorf("the reason %q does not name the time", res[0].Reason)
			}
			if strings.Contains(res[0].Reason, "enrolled") && tt.at.After(enrolled) && !strings.Contains(res[0].Reason, "by the aggregator's") {
				t.Errorf("the reason %q says the kiosk's time, not the time it was compared at", res[0].Reason)
			}
		})
	}
	imports := []struct {
		name string
		at   time.Time
		want syncapi.Status
	}{
		{"2016", year(2016), syncapi.Accepted},
		{"before 2015", year(2014), syncapi.Rejected},
		{"year 1", year(1), syncapi.Rejected},
		{"year 9999", year(9999), syncapi.Rejected},
		{"a year ahead", now.AddDate(1, 0, 0), syncapi.Rejected},
	}
	for _, tt := range imports {
		t.Run("import "+tt.name, func(t *testing.T) {
			res, err := in.Import(ctx, []hailong.Rating{rating(2, tt.at)})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Status != tt.want {
				t.Fatalf("%s (%s), want %s", res[0].Status, res[0].Reason, tt.want)
			}
		})
	}
}

// TestKioskRatingsCannotTakeALinksID: a QR link's rating id (a UUID of
// version 8) uploaded as a kiosk rating is rejected, so the citizen's link
// still works.
func TestKioskRatingsCannotTakeALinksID(t *testing.T) {
	ctx := context.Background()
	in := newIngester(t, ferrettest.Open(t), 100)
	link := qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: kiosk.ID, Unit: kiosk.Unit, Nonce: [8]byte{1, 2, 3}}
	r := rating(3, time.Now())
	r.ID = link.RatingID()
	res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{r})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != syncapi.Rejected || !strings.Contains(res[0].Reason, "id: ") {
		t.Fatalf("kiosk rating with a link's id: %s (%s), want rejected for its id", res[0].Status, res[0].Reason)
	}
	qr := r
	qr.Channel = hailong.ChannelQR
	got, err := in.IngestQR(ctx, qr)
	if err != nil || got.Status != syncapi.Accepted {
		t.Fatalf("the link's own rating: %+v %v, want accepted", got, err)
	}
}

// TestRefusalsNameTheFieldsAtFault: a refusal names the fields at fault,
// sorted, the same for ratings whose reasons differ by their own values,
// so that kiosks group refused ratings by them.
func TestRefusalsNameTheFieldsAtFault(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	in := newIngester(t, ferrettest.Open(t), 100)
	stored := rating(2, now)
	if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{stored}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*hailong.Rating)
		status syncapi.Status
		fields []string
	}{
		{"valid", func(*hailong.Rating) {}, syncapi.Accepted, nil},
		{"an hour ahead", func(r *hailong.Rating) { r.At = now.Add(time.Hour) }, syncapi.Rejected, []string{"at"}},
		{"two hours ahead", func(r *hailong.Rating) { r.At = now.Add(2 * time.Hour) }, syncapi.Rejected, []string{"at"}},
		{"another unit", func(r *hailong.Rating) { r.Unit = "TT-2" }, syncapi.Deferred, []string{"unit"}},
		{"an unknown version and another unit", func(r *hailong.Rating) { r.Unit, r.Version = "TT-2", 99 }, syncapi.Deferred, []string{"questionnaire", "unit"}},
		{"another kiosk and another unit", func(r *hailong.Rating) { r.Kiosk, r.Unit = "k2", "TT-2" }, syncapi.Rejected, []string{"kiosk", "unit"}},
		{"a stored id with other content", func(r *hailong.Rating) { r.ID, r.Answers = stored.ID, hailong.Answers{"overall": hailong.Int(3)} }, syncapi.Conflict, []string{"id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rating(2, now)
			tt.change(&r)
			res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{r})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Status != tt.status || !slices.Equal(res[0].Fields, tt.fields) {
				t.Errorf("%s %q (%s), want %s %q", res[0].Status, res[0].Fields, res[0].Reason, tt.status, tt.fields)
			}
		})
	}
}

// TestADossierIsRatedOnceAcrossChannels: a dossier has one rating id
// whatever the channel, so its first rating, at the counter's tablet or by
// its QR link, is kept and counted, and a later one by the other channel
// is refused as a conflict that says the dossier is rated: none counted
// twice, none lost (a kiosk keeps a refused rating in its failed list).
func TestADossierIsRatedOnceAcrossChannels(t *testing.T) {
	ctx := context.Background()
	in := newIngester(t, ferrettest.Open(t), 100)
	bound := func(dossier string, overall int) hailong.Rating {
		r := rating(overall, time.Now())
		r.Dossier, r.ID = dossier, qrtoken.DossierRatingID(kiosk.Unit, dossier)
		return r
	}
	viaLink := func(dossier string, overall int) hailong.Rating {
		r := bound(dossier, overall)
		r.Channel = hailong.ChannelQR
		r.ID = qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: kiosk.ID, Unit: kiosk.Unit, Dossier: dossier, Nonce: [8]byte{9}}.RatingID()
		return r
	}
	const atCounter, byLink = "H15.50.05.13-261008-0001", "H15.50.05.13-261008-0002"
	steps := []struct {
		name string
		send func() (syncapi.Result, error)
		want syncapi.Status
	}{
		{"rated at the counter first", func() (syncapi.Result, error) { return ingestOne(ctx, in, bound(atCounter, 3)) }, syncapi.Accepted},
		{"then by its link", func() (syncapi.Result, error) { return in.IngestQR(ctx, viaLink(atCounter, 1)) }, syncapi.Conflict},
		{"rated by its link first", func() (syncapi.Result, error) { return in.IngestQR(ctx, viaLink(byLink, 1)) }, syncapi.Accepted},
		{"then at the counter", func() (syncapi.Result, error) { return ingestOne(ctx, in, bound(byLink, 3)) }, syncapi.Conflict},
		{"a dossier's id on another dossier", func() (syncapi.Result, error) {
			r := bound(atCounter, 2)
			r.Dossier = "H15.50.05.13-261008-0003"
			return ingestOne(ctx, in, r)
		}, syncapi.Rejected},
	}
	for _, st := range steps {
		res, err := st.send()
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != st.want {
			t.Errorf("%s: %s (%s), want %s", st.name, res.Status, res.Reason, st.want)
		}
		if res.Status == syncapi.Conflict && !strings.Contains(res.Reason, "already been rated") {
			t.Errorf("%s: the reason %q does not say the dossier is rated", st.name, res.Reason)
		}
	}
	if n := in.Rollup().Ratings(); n != 2 {
		t.Errorf("%d ratings counted, want 2: one per dossier", n)
	}
}

func ingestOne(ctx context.Context, in *ingest.Ingester, r hailong.Rating) (syncapi.Result, error) {
	res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{r})
	if err != nil {
		return syncapi.Result{}, err
	}
	return res[0], nil
}
