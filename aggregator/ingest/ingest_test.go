package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/ferret/ferrettest"
	"hailong/aggregator/ingest"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/rollup"
	"hailong/assets"
	"hailong/qrtoken"
	"hailong/syncapi"
)

func catalog(t testing.TB) *hailong.Catalog {
	t.Helper()
	c, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newIngester(t testing.TB, db *mongodb.DB, remember int) *ingest.Ingester {
	t.Helper()
	in := ingest.New(ingest.Config{Store: db, Catalog: catalog(t), Remember: remember, Logger: slog.New(slog.DiscardHandler)})
	if err := in.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-in.Duplicates().Filled() // warmed from the stored ratings: no index
	return in
}

var kiosk = hailong.Enrolment{ID: "k1", Unit: "TT-1"}

func rating(overall int, at time.Time) hailong.Rating {
	return hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
		Answers: hailong.Answers{"overall": hailong.Int(overall)}}, Channel: hailong.ChannelKiosk, Unit: kiosk.Unit, Kiosk: kiosk.ID,
		At: at.UTC().Truncate(time.Millisecond)}
}

func statuses(rs []syncapi.Result) []syncapi.Status {
	out := make([]syncapi.Status, len(rs))
	for i, r := range rs {
		out[i] = r.Status
	}
	return out
}

func TestIngestStatuses(t *testing.T) {
	ctx := context.Background()
	for _, remember := range []int{1 << 10, 1} { // 1: ids are forgotten at once, so the database decides
		t.Run(fmt.Sprintf("remember %d", remember), func(t *testing.T) {
			db := ferrettest.Open(t)
			in := newIngester(t, db, remember)
			now := time.Now()
			a, b := rating(3, now), rating(1, now)
			res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{a, b})
			if err != nil {
				t.Fatal(err)
			}
			if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Accepted, syncapi.Accepted}) {
				t.Fatalf("first upload: %v", got)
			}
			changed := a
			changed.Answers = hailong.Answers{"overall": hailong.Int(1)}
			wrongUnit := rating(2, now)
			wrongUnit.Unit = "TT-2"
			qrFromKiosk := rating(2, now)
			qrFromKiosk.Channel = hailong.ChannelQR
			invalid := rating(9, now)
			fresh := rating(2, now)
			res, err = in.Ingest(ctx, kiosk, 0, []hailong.Rating{a, changed, b, wrongUnit, qrFromKiosk, invalid, fresh, fresh})
			if err != nil {
				t.Fatal(err)
			}
			want := []syncapi.Status{syncapi.Duplicate, syncapi.Conflict, syncapi.Duplicate, syncapi.Deferred, syncapi.Rejected, syncapi.Rejected, syncapi.Accepted, syncapi.Duplicate}
			if got := statuses(res); !slices.Equal(got, want) {
				t.Fatalf("second upload: %v, want %v (%+v)", got, want, res)
			}
			if res[3].Reason == "" || res[5].Reason == "" {
				t.Errorf("rejections need a reason: %+v", res)
			}
			q := in.Rollup().Query([]string{"TT-1"}, 0, hailong.DateOf(now)+1, rollup.Filter{})
			if q.Total.N != 3 || q.Total.Satisfied != 2 {
				t.Errorf("rollup counts %+v, want 3 ratings, 2 satisfied", q.Total)
			}
		})
	}
}

// randomRatings makes ratings over several units, days, channels and
// dimensions, with re-sent and conflicting ids mixed in.
func randomRatings(rng *rand.Rand, n int) map[string][]hailong.Rating {
	units := []string{"TT-1", "TT-2", "MC-3"}
	out := map[string][]hailong.Rating{}
	start := time.Date(2025, 6, 1, 0, 0, 0, 0, hailong.Location)
	for i := 0; i < n; i++ {
		u := units[rng.IntN(len(units))]
		k := kioskOf(u)
		r := hailong.Rating{ID: hailong.NewID(), Submission: hailong.Submission{
			Questionnaire: "counter-quick", Version: 1,
			Answers:   hailong.Answers{"overall": hailong.Int(1 + rng.IntN(3))},
			Procedure: []string{"", "1.004122", "2.000908"}[rng.IntN(3)],
			Official:  []string{"", "cb-1", "cb-2"}[rng.IntN(3)],
			Counter:   []string{"", "Q1"}[rng.IntN(2)],
		}, Channel: hailong.ChannelKiosk, Unit: u, Kiosk: k.ID,
			At: start.Add(time.Duration(rng.IntN(90*24*3600)) * time.Second).UTC()}
		if rng.IntN(5) == 0 {
			r.Questionnaire, r.Answers = "sipas", hailong.Answers{"overall": hailong.Int(1 + rng.IntN(5)), "access_signs": hailong.Int(1 + rng.IntN(5))}
		}
		if rng.IntN(8) == 0 { // misuse the node saw: kept apart
			r.Flags = []string{hailong.FlagBurst}
		}
		out[u] = append(out[u], r)
		switch rng.IntN(10) {
		case 0: // the same rating sent again later
			out[u] = append(out[u], r)
		case 1: // the same id with other content
			c := r
			c.Answers = hailong.Answers{"overall": hailong.Int(1 + (r.Answers["overall"].Value % 3))}
			out[u] = append(out[u], c)
		}
	}
	return out
}

func kioskOf(unit string) hailong.Enrolment {
	return hailong.Enrolment{ID: "k-" + strings.ToLower(unit), Unit: unit}
}

func TestRollupsEqualRecomputationFromRaw(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	parent := t // databases opened in subtests live until the whole test ends
	db, closeDB := ferrettest.OpenDir(t, dir)
	rng := rand.New(rand.NewPCG(1, 2))
	in := newIngester(t, db, 50) // small memory: some re-sends reach the database
	for u, rs := range randomRatings(rng, 1500) {
		k := kioskOf(u)
		for len(rs) > 0 {
			n := min(len(rs), 1+rng.IntN(120))
			if _, err := in.Ingest(ctx, k, 0, rs[:n]); err != nil {
				t.Fatal(err)
			}
			rs = rs[n:]
		}
	}
	check := func(t *testing.T, in *ingest.Ingester) {
		t.Helper()
		checkRecomputed(t, in, db)
		if in.Flagged().Ratings() == 0 {
			t.Fatal("no flagged rating to compare")
		}
	}
	t.Run("maintained", func(t *testing.T) { check(t, in) })

	t.Run("after a clean restart", func(t *testing.T) {
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
		closeDB()
		db, closeDB = ferrettest.OpenDir(parent, dir)
		in = newIngester(t, db, 50)
		check(t, in)
	})

	t.Run("after a crash", func(t *testing.T) {
		// More ratings, not flushed, and no Close: as if the process died.
		for u, rs := range randomRatings(rng, 200) {
			if _, err := in.Ingest(ctx, kioskOf(u), 0, rs); err != nil {
				t.Fatal(err)
			}
		}
		before := normalise(slices.Collect(in.Rollup().Days()))
		closeDB()
		db, closeDB = ferrettest.OpenDir(parent, dir)
		in = newIngester(t, db, 50)
		check(t, in)
		if !reflect.DeepEqual(normalise(slices.Collect(in.Rollup().Days())), before) {
			t.Error("ratings acknowledged before the crash are missing from the rebuilt rollups")
		}
	})
}

// normalise orders cells so that equal rollups compare equal.
func normalise(days []rollup.Day) []rollup.Day {
	for _, d := range days {
		slices.SortFunc(d.Cells, func(a, b rollup.Cell) int {
			return cmpString(fmt.Sprint(a.Dims), fmt.Sprint(b.Dims))
		})
	}
	return days
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// faultyStore fails chosen calls of the real store.
type faultyStore struct {
	*mongodb.DB
	failDigests    int
	insertThenFail int // store the ratings, then report failure
	storeHalf      int // store the first half of the ratings, then fail
	failFlags      int
	// afterInsert, if set, is called after a successful insert, before it
	// answers, with the number of the insert (from 1).
	afterInsert func(n int)
	inserts     int
}

func (f *faultyStore) AddDossierFlags(ctx context.Context, dossiers []string) error {
	if f.failFlags > 0 {
		f.failFlags--
		return errors.New("injected: no space left on device")
	}
	return f.DB.AddDossierFlags(ctx, dossiers)
}

func (f *faultyStore) Receipts(ctx context.Context, ids []string, fn func(string, [32]byte, time.Time, time.Time)) error {
	if f.failDigests > 0 {
		f.failDigests--
		return errors.New("injected: digests lost")
	}
	return f.DB.Receipts(ctx, ids, fn)
}

func (f *faultyStore) InsertRatings(ctx context.Context, rs []hailong.Rating, ds [][32]byte, at time.Time) ([]int, error) {
	if f.storeHalf > 0 {
		f.storeHalf--
		// As an unordered InsertMany on a full disk: some stored, then an error.
		if _, err := f.DB.InsertRatings(ctx, rs[:len(rs)/2], ds[:len(rs)/2], at); err != nil {
			return nil, err
		}
		return nil, errors.New("injected: no space left on device")
	}
	dups, err := f.DB.InsertRatings(ctx, rs, ds, at)
	f.inserts++
	if err == nil && f.afterInsert != nil {
		f.afterInsert(f.inserts)
	}
	if err == nil && f.insertThenFail > 0 {
		f.insertThenFail--
		return nil, errors.New("injected: the answer of the insert was lost")
	}
	return dups, err
}

func TestStoreFaultsNeverLeaveARatingUncounted(t *testing.T) {
	ctx := context.Background()
	t.Run("digest look-up fails after new ratings were stored", func(t *testing.T) {
		db := ferrettest.Open(t)
		store := &faultyStore{DB: db}
		in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Remember: 1, Logger: slog.New(slog.DiscardHandler)})
		if err := in.Start(ctx); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		old := rating(2, now)
		if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{old}); err != nil {
			t.Fatal(err)
		}
		batch := []hailong.Rating{rating(3, now), old, rating(1, now)} // remember 1: old is forgotten
		in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(2, now)})     // push old out of memory
		store.failDigests = 1
		if _, err := in.Ingest(ctx, kiosk, 0, batch); err == nil {
			t.Fatal("the injected fault should fail the upload")
		}
		res, err := in.Ingest(ctx, kiosk, 0, batch) // the kiosk sends it again
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Duplicate, syncapi.Duplicate, syncapi.Duplicate}) {
			t.Fatalf("retry: %v", got)
		}
		want, _ := ingest.Recompute(ctx, db, catalog(t), nil)
		if in.Rollup().Ratings() != 4 || want.Ratings() != 4 {
			t.Fatalf("rollup counts %d, raw holds %d; want 4 and 4", in.Rollup().Ratings(), want.Ratings())
		}
	})
	t.Run("insert stored ratings but its answer was lost", func(t *testing.T) {
		dir := t.TempDir()
		db, closeDB := ferrettest.OpenDir(t, dir)
		store := &faultyStore{DB: db, insertThenFail: 1}
		in := ingest.New(ingest.Config{Store: store, Catalog: catalog(t), Logger: slog.New(slog.DiscardHandler)})
		if err := in.Start(ctx); err != nil {
			t.Fatal(err)
		}
		batch := []hailong.Rating{rating(3, time.Now()), rating(1, time.Now())}
		if _, err := in.Ingest(ctx, kiosk, 0, batch); err == nil {
			t.Fatal("the injected fault should fail the upload")
		}
		res, _ := in.Ingest(ctx, kiosk, 0, batch) // stored already: duplicates, never counted so far
		if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Duplicate, syncapi.Duplicate}) {
			t.Fatalf("retry: %v", got)
		}
		if err := in.Close(ctx); err != nil {
			t.Fatal(err)
		}
		closeDB()
		db, _ = ferrettest.OpenDir(t, dir)
		in = newIngester(t, db, 10)
		if n := in.Rollup().Ratings(); n != 2 {
			t.Fatalf("after restart the rollups count %d ratings, want the 2 stored", n)
		}
	})
}

func TestRepeatsWithinOneUploadAreJudgedAgainstWhatIsStored(t *testing.T) {
	ctx := context.Background()
	in := newIngester(t, ferrettest.Open(t), 100)
	storedVersion := rating(3, time.Now())
	if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{storedVersion}); err != nil {
		t.Fatal(err)
	}
	other := storedVersion
	other.Answers = hailong.Answers{"overall": hailong.Int(1)}
	fresh := rating(2, time.Now())
	res, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{other, other, storedVersion, fresh, fresh})
	if err != nil {
		t.Fatal(err)
	}
	want := []syncapi.Status{syncapi.Conflict, syncapi.Conflict, syncapi.Duplicate, syncapi.Accepted, syncapi.Duplicate}
	if got := statuses(res); !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
}

func TestClosedIngesterRefusesUploads(t *testing.T) {
	ctx := context.Background()
	in := newIngester(t, ferrettest.Open(t), 100)
	if err := in.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(2, time.Now())}); hailong.ErrorCode(err) != hailong.EUNAVAILABLE {
		t.Fatalf("after Close: %v, want unavailable", err)
	}
}

// TestKnownTellsWhenADossierWasRated: the memory of recent ratings tells
// when a dossier's rating was given (for "already rated" pages) as it is
// stored, after a clean stop (from the digests written then), after a crash
// (from the rebuild) and when a second delivery finds it in the database
// after the memory forgot it; of other ratings it tells no time.
func TestKnownTellsWhenADossierWasRated(t *testing.T) {
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	dossier := func(overall int) hailong.Rating {
		r := rating(overall, at)
		r.Dossier = "H15.50.05.13-261008-0975"
		r.ID = qrtoken.DossierRatingID(kiosk.Unit, r.Dossier)
		return r
	}
	plain := rating(3, at)
	tests := []struct {
		name  string
		after func(t *testing.T, db *mongodb.DB, in *ingest.Ingester) *ingest.Ingester
	}{
		{"as stored", func(t *testing.T, _ *mongodb.DB, in *ingest.Ingester) *ingest.Ingester { return in }},
		{"after a clean stop", func(t *testing.T, db *mongodb.DB, in *ingest.Ingester) *ingest.Ingester {
			if err := in.Close(ctx); err != nil {
				t.Fatal(err)
			}
			return newIngester(t, db, 100)
		}},
		{"after a crash", func(t *testing.T, db *mongodb.DB, _ *ingest.Ingester) *ingest.Ingester {
			return newIngester(t, db, 100)
		}},
		{"found in the database", func(t *testing.T, db *mongodb.DB, in *ingest.Ingester) *ingest.Ingester {
			if err := in.Close(ctx); err != nil {
				t.Fatal(err)
			}
			small := newIngester(t, db, 1) // remembers only the last
			if _, err := small.Ingest(ctx, kiosk, 0, []hailong.Rating{rating(2, at)}); err != nil {
				t.Fatal(err)
			}
			res, err := small.Ingest(ctx, kiosk, 0, []hailong.Rating{dossier(1)}) // the dossier rated again
			if err != nil || res[0].Status != syncapi.Conflict {
				t.Fatalf("a second rating of the dossier: %+v %v", res, err)
			}
			return small
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := ferrettest.Open(t)
			in := newIngester(t, db, 100)
			if _, err := in.Ingest(ctx, kiosk, 0, []hailong.Rating{dossier(3), plain}); err != nil {
				t.Fatal(err)
			}
			in = tt.after(t, db, in)
			if got, ok := in.Known(dossier(3).ID); !ok || !got.Equal(at) {
				t.Errorf("the dossier's rating: known %v at %v, want at %v", ok, got, at)
			}
			if got, ok := in.Known(plain.ID); tt.name != "found in the database" && (!ok || !got.IsZero()) {
				t.Errorf("a rating of no dossier: known %v at %v, want known without a time", ok, got)
			}
		})
	}
}

// TestADossierRatedUnderItsLegacyID: earlier versions made a dossier's
// rating id from its code as typed (lower case here), this one from the
// code in normal form. A rating stored under the earlier id before the
// upgrade is still the dossier's one rating: sent again it is a
// duplicate, and any other rating of the dossier under either id is a
// conflict. After the upgrade, a rating carrying the earlier id (a kiosk
// not upgraded yet) is stored under the dossier's one id, so that it and
// a rating under that id (a phone's, an upgraded kiosk's) are one rating,
// in separate uploads or in one; the answer keeps the id the kiosk sent.
func TestADossierRatedUnderItsLegacyID(t *testing.T) {
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	const typed = "h15.50.05.13-261008-0975"
	one, legacyID := qrtoken.DossierRatingID(kiosk.Unit, typed), qrtoken.LegacyDossierRatingID(kiosk.Unit, typed)
	if legacyID == one {
		t.Fatal("the legacy id of a code in lower case is this version's: nothing to test")
	}
	dossier := func(id, code string, overall int) hailong.Rating {
		r := rating(overall, at)
		r.ID, r.Dossier = id, code
		return r
	}
	legacy := dossier(legacyID, typed, 3)
	ingestOne := func(t *testing.T, in *ingest.Ingester, rs ...hailong.Rating) []syncapi.Result {
		t.Helper()
		res, err := in.Ingest(ctx, kiosk, 0, rs)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	t.Run("stored under the earlier id before the upgrade", func(t *testing.T) {
		db := ferrettest.Open(t)
		// As an earlier version stored it: under the id of the code as typed.
		if _, err := db.InsertRatings(ctx, []hailong.Rating{legacy}, [][32]byte{legacy.Digest()}, at); err != nil {
			t.Fatal(err)
		}
		in := newIngester(t, db, 100)
		for _, tc := range []struct {
			name string
			r    hailong.Rating
			want syncapi.Status
		}{
			{"the same rating sent again", legacy, syncapi.Duplicate},
			{"other content under the earlier id", dossier(legacyID, typed, 1), syncapi.Conflict},
			{"this version's id, the code as typed", dossier(one, typed, 1), syncapi.Conflict},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if res := ingestOne(t, in, tc.r); res[0].Status != tc.want || res[0].ID != tc.r.ID {
					t.Errorf("%+v; want %s under the id sent", res[0], tc.want)
				}
			})
		}
		if _, ok := in.Known(one); ok {
			t.Error("a rating was stored under the dossier's one id beside the earlier one")
		}
	})

	t.Run("sent under the earlier id after the upgrade", func(t *testing.T) {
		in := newIngester(t, ferrettest.Open(t), 100)
		if res := ingestOne(t, in, legacy); res[0].Status != syncapi.Accepted || res[0].ID != legacyID {
			t.Fatalf("the old kiosk's rating: %+v", res[0])
		}
		if _, ok := in.Known(one); !ok {
			t.Error("not stored under the dossier's one id")
		}
		for _, tc := range []struct {
			name string
			r    hailong.Rating
			want syncapi.Status
		}{
			{"sent again", legacy, syncapi.Duplicate},
			{"a phone's, the code as its link has it", dossier(one, typed, 1), syncapi.Conflict},
			{"an upgraded kiosk's, the code in normal form", dossier(one, "H15.50.05.13-261008-0975", 1), syncapi.Conflict},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if res := ingestOne(t, in, tc.r); res[0].Status != tc.want {
					t.Errorf("%+v; want %s", res[0], tc.want)
				}
			})
		}
	})

	t.Run("both ids in one upload", func(t *testing.T) {
		in := newIngester(t, ferrettest.Open(t), 100)
		res := ingestOne(t, in, legacy, dossier(one, "H15.50.05.13-261008-0975", 1))
		if got := statuses(res); !slices.Equal(got, []syncapi.Status{syncapi.Accepted, syncapi.Conflict}) || res[0].ID != legacyID || res[1].ID != one {
			t.Errorf("%+v; want the first accepted and the second a conflict, each under the id sent", res)
		}
	})
}
