package web

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/comments"
	"hailong/aggregator/ferret"
	"hailong/aggregator/mongodb"
	"hailong/aggregator/synth"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/latency"
	"hailong/procedure"
)

// BenchmarkCommentsPage measures the comments page and API at the scale of
// a province with 5,000,000 ratings over two years, one in ten with a
// comment: 500,000 comments in 200 centres under 100 communes, 2,000
// procedures. Requests go over loopback HTTP through the route's access
// rule, with the API token of a province manager (or a commune manager)
// checked by the real access service. The page reads only the comment
// index; the rollups are not read. Reports p50 and p95 of each question.
//
//	go test -run '^$' -bench CommentsPage -benchtime 400x ./aggregator/web
func BenchmarkCommentsPage(b *testing.B) {
	const ratings, commentEvery = 5_000_000, 10
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	from := hailong.DateFromYMD(2024, 1, 1)
	units := []hierarchy.Unit{{Code: "01", Name: "Tỉnh", Kind: hierarchy.Province, From: from}}
	var centres []string
	for c := 0; c < 100; c++ {
		commune := fmt.Sprintf("%05d", c)
		units = append(units, hierarchy.Unit{Code: commune, Name: "Xã " + commune, Kind: hierarchy.Commune, Parent: "01", From: from})
		for k := 0; k < 2; k++ {
			code := fmt.Sprintf("TT-%s-%d", commune, k)
			centres = append(centres, code)
			units = append(units, hierarchy.Unit{Code: code, Name: "Trung tâm Phục vụ hành chính công " + commune, Kind: hierarchy.Centre, Parent: commune, From: from})
		}
	}
	tree, err := hierarchy.New(units)
	if err != nil {
		b.Fatal(err)
	}
	var procs []procedure.Procedure
	for p := range 2000 {
		procs = append(procs, procedure.Procedure{Code: fmt.Sprintf("1.%06d", p), Name: fmt.Sprintf("Thủ tục số %d", p), Field: fmt.Sprintf("Lĩnh vực %d", p%40)})
	}
	catalogue := procedure.New(procs)
	texts := []string{"Cán bộ hướng dẫn tận tình, thủ tục nhanh gọn.", "Phải chờ lâu, đề nghị bố trí thêm quầy vào buổi sáng.",
		"Không có chỗ đỗ xe, phòng chờ nóng.", "Hồ sơ phải bổ sung nhiều lần vì hướng dẫn không rõ ràng."}
	var heapBefore runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&heapBefore)
	rng := rand.New(rand.NewPCG(5, 5))
	cs := make([]comments.Comment, 0, ratings/commentEvery)
	start := from.Start()
	span := int64(730 * 24 * time.Hour)
	for i := range ratings / commentEvery {
		level := 1 + rng.IntN(3)
		mood := []comments.Mood{comments.Dissatisfied, comments.Satisfied, comments.Satisfied}[level-1]
		cs = append(cs, comments.Comment{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i), At: start.Add(time.Duration(rng.Int64N(span))),
			Unit: centres[rng.IntN(len(centres))], Procedure: procs[rng.IntN(len(procs))].Code, Channel: []hailong.Channel{"kiosk", "qr"}[rng.IntN(2)],
			Questionnaire: "counter-quick", Version: 1, Level: level, Mood: mood, Text: texts[rng.IntN(len(texts))]})
	}
	idx := comments.NewOf(cs)
	cs = nil
	var heapAfter runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&heapAfter)
	b.Logf("%d comments in the index, %.0f MB of heap", idx.Len(), float64(heapAfter.HeapAlloc-heapBefore.HeapAlloc)/(1<<20))

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
	now := func() time.Time { return time.Date(2025, 12, 20, 5, 0, 0, 0, time.UTC) }
	svc := access.New(access.Config{Store: db, Units: func() *hierarchy.Tree { return tree }, Logger: log, Now: now})
	if err := svc.Load(ctx); err != nil {
		b.Fatal(err)
	}
	tokens := map[string]string{}
	for _, u := range []struct{ name, scope string }{{"tinh", "01"}, {"xa", "00042"}} {
		if err := svc.AddUser(ctx, nil, hailong.User{Username: u.name, Role: hailong.RoleManager, Scope: u.scope}, "bench-Password-1234"); err != nil {
			b.Fatal(err)
		}
		secret, _, err := svc.CreateToken(ctx, nil, u.name, "bench", "", nil, now().Add(24*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		tokens[u.name] = "Bearer " + secret
	}
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		b.Fatal(err)
	}
	mem, err := synth.NewMemory(ctx, catalog, nil) // no ratings: the page reads the comments only
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(&Server{Ingester: mem, Outcomes: mem.Book(), Catalog: catalog, Units: func() *hierarchy.Tree { return tree },
		Procedures: func() *procedure.Catalogue { return catalogue }, Comments: func() *comments.Index { return idx },
		Assets: assets.FS(""), Logger: log, MinSample: 30, Now: now, Access: svc})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.App().Listener(ln)
	defer s.App().Shutdown()
	base := "http://" + ln.Addr().String()
	// A cursor twenty pages into the province's year.
	deep, err := idx.Query(ctx, comments.Filter{Units: mustSubtree(b, tree, "01"), From: hailong.DateFromYMD(2025, 1, 1), To: hailong.DateFromYMD(2025, 12, 31)}, comments.Cursor{}, 20*commentsPageSize)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct{ name, who, path string }{
		{"page-province-quarter", "tinh", "/comments"},
		{"page-province-year-dissatisfied", "tinh", "/comments?period=2025&level=dissatisfied"},
		{"page-province-year-procedure", "tinh", "/comments?period=2025&level=dissatisfied&procedure=1.000042"},
		{"page-province-year-page-21", "tinh", "/comments?period=2025&cursor=" + deep.Next.String()},
		{"page-commune-quarter", "xa", "/comments"},
		{"page-province-two-years-en", "tinh", "/comments?from=2024-01-01&to=2025-12-31&lang=en"},
		{"api-province-year-200", "tinh", "/api/v1/comments?period=2025&limit=200"},
	} {
		b.Run(q.name, func(b *testing.B) {
			latency.Gets(b, latency.Authorized(tokens[q.who]), base+q.path).Report(b, 50, 95)
		})
	}
}

func mustSubtree(b *testing.B, t *hierarchy.Tree, unit string) []string {
	b.Helper()
	units, err := t.Subtree(unit, hailong.DateFromYMD(2025, 12, 20))
	if err != nil {
		b.Fatal(err)
	}
	return units
}
