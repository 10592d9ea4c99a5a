package e2e

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"hailong"
	aggapp "hailong/aggregator/app"
	"hailong/latency"
	"hailong/qrtoken"
	"hailong/syncapi"
)

// BenchmarkKioskIdleRSS starts the real kiosk binary, serves one screen and
// one rating, lets it idle, and reports its resident memory.
//
//	go test -run '^$' -bench KioskIdleRSS -benchtime 1x ./e2e
func BenchmarkKioskIdleRSS(b *testing.B) {
	t := &testing.T{}
	bin := build(t, "kiosk")
	for i := 0; i < b.N; i++ {
		addr := freeAddr(t)
		k := startChild(t, bin, addr, "-listen", addr, "-data", b.TempDir(), "-kiosk", "k1", "-unit", centre)
		if resp, err := http.Get(k.url + "/"); err == nil {
			resp.Body.Close()
		}
		rate(t, k.url, rating{Answers: map[string]any{"overall": 3}})
		time.Sleep(3 * time.Second)
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", k.cmd.Process.Pid))
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.Atoi(strings.Fields(rest)[0])
				b.ReportMetric(float64(kb)/1024, "RSS-MB")
			}
		}
		k.kill()
	}
}

func syncBatch(kiosk, unit string, n int, at time.Time, rng *rand.Rand) syncapi.Request {
	var req syncapi.Request
	for i := 0; i < n; i++ {
		req.Ratings = append(req.Ratings, hailong.Rating{ID: hailong.NewID(),
			Submission: hailong.Submission{Questionnaire: "counter-quick", Version: 1,
				Answers: hailong.Answers{"overall": hailong.Int(1 + rng.IntN(3)), "result_time": hailong.Int(rng.IntN(3))},
				// A centre's day: a few counters, a dozen officials, tens of procedures.
				Counter:  fmt.Sprintf("Q%d", rng.IntN(5)),
				Official: fmt.Sprintf("cb-%03d", rng.IntN(12)), Procedure: fmt.Sprintf("1.%06d", rng.IntN(50))},
			Channel: hailong.ChannelKiosk, Unit: unit, Kiosk: kiosk, At: at.UTC().Truncate(time.Millisecond)})
	}
	return req
}

// BenchmarkIngest measures sustained ingest through POST /api/v1/sync on the
// embedded database (batches of 200 from 4 kiosks at once), and in the same
// run a raw InsertMany of the same documents into the same database: the
// ceiling that ingest is held against. The kiosks upload through
// syncapi.Client, as the uploader does: encoding each batch is in the time.
//
//	go test -run '^$' -bench Ingest -benchtime 20000x ./e2e
func BenchmarkIngest(b *testing.B) {
	t := &testing.T{}
	agg := &aggapp.Main{Config: aggapp.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(), DemoData: true}, Logger: quiet}
	if err := agg.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer agg.Close()
	withToken(b, agg)
	const batch, kiosks = 200, 4
	centres := []string{"TT-09190", "TT-09250", "TT-07210", "TT-07450"}
	var creds []syncapi.Credential
	for i := 0; i < kiosks; i++ {
		creds = append(creds, enrol(t, agg, fmt.Sprintf("bench-%d", i), centres[i]))
	}
	rng := rand.New(rand.NewPCG(1, 1))
	n := max(b.N/batch, kiosks) * batch
	var reqs []syncapi.Request
	for i := 0; i < n/batch; i++ {
		k := i % kiosks
		reqs = append(reqs, syncBatch(creds[k].Kiosk, centres[k], batch, time.Now(), rng))
	}

	// Raw ceiling: the same documents with the driver's InsertMany.
	client, err := mongo.Connect(options.Client().ApplyURI(agg.DB().URI()))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	raw := client.Database("hailong").Collection("bench_raw")
	// The same secondary index as the ratings collection, for a fair ceiling.
	if _, err := raw.Indexes().CreateOne(context.Background(), mongo.IndexModel{Keys: bson.D{{Key: "dossier", Value: 1}}, Options: options.Index().SetSparse(true)}); err != nil {
		b.Fatal(err)
	}
	var docs [][]any
	for _, req := range reqs {
		var ds []any
		for _, r := range req.Ratings {
			d := r.Digest()
			ds = append(ds, bson.D{{Key: "_id", Value: r.ID}, {Key: "questionnaire", Value: r.Questionnaire}, {Key: "version", Value: r.Version},
				{Key: "answers", Value: bson.D{{Key: "overall", Value: int32(r.Answers["overall"].Value)}, {Key: "result_time", Value: int32(r.Answers["result_time"].Value)}}},
				{Key: "counter", Value: r.Counter}, {Key: "official", Value: r.Official}, {Key: "procedure", Value: r.Procedure},
				{Key: "channel", Value: string(r.Channel)}, {Key: "unit", Value: r.Unit}, {Key: "kiosk", Value: r.Kiosk},
				{Key: "at", Value: r.At}, {Key: "digest", Value: d[:]}, {Key: "received", Value: time.Now()}})
		}
		docs = append(docs, ds)
	}
	b.ResetTimer()
	t0 := time.Now()
	for _, ds := range docs {
		if _, err := raw.InsertMany(context.Background(), ds, options.InsertMany().SetOrdered(false)); err != nil {
			b.Fatal(err)
		}
	}
	rawRate := float64(n) / time.Since(t0).Seconds()

	t0 = time.Now()
	errs := make(chan error, kiosks)
	for k := 0; k < kiosks; k++ {
		go func() {
			c := kioskClient(agg.URL(), creds[k])
			for i := k; i < len(reqs); i += kiosks {
				if _, err := c.Sync(context.Background(), reqs[i]); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for k := 0; k < kiosks; k++ {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	syncRate := float64(n) / time.Since(t0).Seconds()
	b.StopTimer()
	if s := satisfactionOf(t, agg.URL(), q("unit", "24", "from", today(), "to", today())); s.N != int64(n) {
		b.Fatalf("counted %d of %d", s.N, n)
	}
	b.ReportMetric(syncRate, "sync-ratings/s")
	b.ReportMetric(rawRate, "raw-insert/s")
	b.ReportMetric(100*syncRate/rawRate, "%-of-raw")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkPhonePage measures GET /r/<token>: server time over loopback
// (p50, p95) and the bytes a phone loads (the page and its stylesheet).
//
//	go test -run '^$' -bench PhonePage -benchtime 3000x ./e2e
func BenchmarkPhonePage(b *testing.B) {
	t := &testing.T{}
	agg := &aggapp.Main{Config: aggapp.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(), DemoData: true, RateLimit: 1 << 30}, Logger: quiet}
	if err := agg.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer agg.Close()
	cred := enrol(t, agg, "kiosk-1", centre)
	key, _ := qrtoken.KeyFromSecret(cred.Secret)
	tok, _ := qrtoken.Sign(key, qrtoken.Claims{Kind: qrtoken.Dossier, Kiosk: "kiosk-1", Unit: centre,
		Dossier: "H15.50.05.13-261008-0975", Procedure: "1.004122", Expires: time.Now().Add(time.Hour)})
	link := agg.URL() + "/r/" + tok
	css := fetch(t, agg.URL()+"/static/phone.css")
	client := &http.Client{}
	lat := latency.New(b.N)
	var size int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		resp, err := client.Get(link)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lat.Since(t0)
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		size = len(body)
	}
	b.StopTimer()
	lat.Report(b, 50, 95)
	b.ReportMetric(float64(size), "html-bytes")
	b.ReportMetric(float64(size+len(css)), "page-bytes")
}

// BenchmarkIngestWebhooks measures ingest through POST /api/v1/sync with
// ten webhook subscriptions to rating.stored (receivers on loopback, in
// a child process: receiversProcess) against none, in rounds that take turns within one run
// (ingestRounds). After each round with subscriptions, the time until
// every receiver has every event is reported too (the deliveries' lag),
// and awaited before the next round, so that no round pays for another's
// deliveries.
//
//	go test -run '^$' -bench 'IngestWebhooks$' -benchtime 80000x ./e2e
func BenchmarkIngestWebhooks(b *testing.B) {
	ctx := context.Background()
	agg := &aggapp.Main{Config: aggapp.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(), DemoData: true, WebhookAllowPrivate: true}, Logger: quiet}
	if err := agg.Run(ctx); err != nil {
		b.Fatal(err)
	}
	defer agg.Close()
	for _, r := range agg.Alerts().Rules() { // alert rules are BenchmarkIngestAlertsWebhooks's
		r.Enabled = false
		if _, err := agg.Alerts().SaveRule(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	hooks := newReceivers(b, agg, 10)
	rates, cpu, lag := ingestRounds{agg: agg, cycles: 6, arm: func(i int) { hooks.enable(i == 1) },
		after: func(i, ratings int) (float64, bool) { return hooks.await(i == 1, ratings), i == 1 }}.run(b)
	hooks.check(b)
	none, with := rates[0], rates[1]
	b.ReportMetric(none, "none-ratings/s")
	b.ReportMetric(with, "webhooks-ratings/s")
	b.ReportMetric(100*with/none, "%-of-none")
	b.ReportMetric(100*cpu[0]/cpu[1], "%-cpu-of-none")
	b.ReportMetric(lag, "delivery-lag-s")
	b.ReportMetric(0, "ns/op")
}
