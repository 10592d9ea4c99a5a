package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/ferret"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/synth"
	"hailong/assets"
	"hailong/fiberapp"
	"hailong/hierarchy"
)

// allowAll is an access service that lets every unit through, for the
// server without authentication the benchmark compares with.
type allowAll struct{ Access }

func (allowAll) InScope(*hailong.Principal, string, hailong.Date) bool { return true }

// BenchmarkAuthentication measures what authentication adds to a measures
// request: the same GET /api/v1/measures over real HTTP, once through the
// route's rule with an API token checked by the real access service (on
// the embedded database) and the scope checks, once straight to the
// handler with no credential, rule or scope check, interleaved request by
// request so both see the same machine. Rollups of 1,000,000 ratings of
// the synthetic province (synth). Reports p50 and p95 of each and the
// difference of the p95s.
//
//	go test -run '^$' -bench Authentication -benchtime 4000x ./aggregator/web
func BenchmarkAuthentication(b *testing.B) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	tree, mem, catalog, err := synth.Province(ctx, synth.Config{Ratings: 1_000_000, Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	emb, err := ferret.Start(ctx, b.TempDir(), log)
	if err != nil {
		b.Fatal(err)
	}
	defer emb.Close()
	db, err := mongodb.Open(ctx, emb.URI(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	now := func() time.Time { return time.Date(2026, 7, 15, 5, 0, 0, 0, time.UTC) }
	svc := access.New(access.Config{Store: db, Units: func() *hierarchy.Tree { return tree }, Logger: log, Now: now})
	if err := svc.Load(ctx); err != nil {
		b.Fatal(err)
	}
	if err := svc.AddUser(ctx, nil, hailong.User{Username: "an", Role: hailong.RoleAnalyst, Scope: "48"}, "bench-Password-1234"); err != nil {
		b.Fatal(err)
	}
	secret, _, err := svc.CreateToken(ctx, nil, "an", "bench", "", nil, now().Add(24*time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(&Server{Ingester: mem, Outcomes: mem.Book(), Catalog: catalog, Units: func() *hierarchy.Tree { return tree },
		Assets: assets.FS(""), Logger: log, MinSample: 30, Now: now, Access: svc})
	if err != nil {
		b.Fatal(err)
	}
	// The same handler on a bare application: no rule, no credential, a
	// scope that lets everything through.
	bare := *s
	bare.Access = allowAll{}
	p := &hailong.Principal{Username: "an", Scope: "48", Permissions: []hailong.Permission{hailong.PermMeasuresRead}}
	bareApp := fiberapp.New(fiberapp.Config{Name: "bare", Logger: log})
	bareApp.Get("/api/v1/measures", func(c *fiber.Ctx) error {
		c.Locals(principalKey, p)
		return bare.measuresShow(c)
	})
	serve := func(app *fiber.App) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go app.Listener(ln)
		b.Cleanup(func() { app.Shutdown() })
		return "http://" + ln.Addr().String()
	}
	authURL, bareURL := serve(s.App()), serve(bareApp)
	client := &http.Client{}
	get := func(u, auth string, rec *[]time.Duration) {
		req, _ := http.NewRequest("GET", u, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		*rec = append(*rec, time.Since(t0))
		if resp.StatusCode != 200 {
			b.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
	}
	for _, q := range []struct{ name, query string }{
		{"province-year", "unit=48&from=2025-07-01&to=2026-06-30"},
		{"province-year-by-units", "unit=48&from=2025-07-01&to=2026-06-30&breakdown=units"},
		{"commune-quarter", "unit=20007&from=2026-01-01&to=2026-03-31"},
	} {
		b.Run(q.name, func(b *testing.B) {
			withAuth, without := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				if i%2 == 0 {
					get(authURL+"/api/v1/measures?"+q.query, "Bearer "+secret, &withAuth)
					get(bareURL+"/api/v1/measures?"+q.query, "", &without)
				} else {
					get(bareURL+"/api/v1/measures?"+q.query, "", &without)
					get(authURL+"/api/v1/measures?"+q.query, "Bearer "+secret, &withAuth)
				}
			}
			a50, a95 := percentile(withAuth, 50), percentile(withAuth, 95)
			n50, n95 := percentile(without, 50), percentile(without, 95)
			b.ReportMetric(ms(a50), "auth-p50-ms")
			b.ReportMetric(ms(a95), "auth-p95-ms")
			b.ReportMetric(ms(n50), "bare-p50-ms")
			b.ReportMetric(ms(n95), "bare-p95-ms")
			b.ReportMetric(ms(a95-n95), "added-p95-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func percentile(d []time.Duration, p int) time.Duration {
	d = slices.Sorted(slices.Values(d))
	return d[len(d)*p/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
