package web_test

import (
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/apidoc"
	"hailong/assets"
	"hailong/hierarchy"
)

func demoTree(t testing.TB) *hierarchy.Tree {
	t.Helper()
	f, err := assets.FS("").Open(assets.DemoUnits)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := hierarchy.ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func demoServer(t *testing.T, r *rollup.Rollup) (*web.Server, string) {
	s, base, _ := demoServerWith(t, r, nil)
	return s, base
}

// demoServerWith serves the demo units with a fake access service; edit
// adjusts the server before it starts.
func demoServerWith(t *testing.T, r *rollup.Rollup, edit func(*web.Server)) (*web.Server, string, *fakeAccess) {
	t.Helper()
	tree := demoTree(t)
	fa := newFakeAccess(tree)
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		t.Fatal(err)
	}
	srv := &web.Server{Ingester: memIngester{r}, Units: func() *hierarchy.Tree { return tree }, Assets: assets.FS(""),
		Logger: slog.New(slog.DiscardHandler), MinSample: 30, Now: func() time.Time { return time.Date(2026, 3, 15, 5, 0, 0, 0, time.UTC) },
		Access: fa, Outcomes: noOutcomes{}, Catalog: catalog,
		Kiosks:  credentials{"Bearer kiosk-1.secret": {ID: "kiosk-1", Unit: "TT-09190"}},
		Clients: credentials{"Bearer client-1.secret": {ID: "client-1", Unit: "24"}}}
	if edit != nil {
		edit(srv)
	}
	s, base := serve(t, srv)
	return s, base, fa
}

// serve starts srv on a loopback port until the test ends and returns its
// base URL.
func serve(tb testing.TB, srv *web.Server) (*web.Server, string) {
	tb.Helper()
	s, err := web.New(srv)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go s.App().Listener(ln)
	tb.Cleanup(func() { s.App().Shutdown() })
	return s, "http://" + ln.Addr().String()
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s, _ := demoServer(t, rollup.New())
	documented, err := apidoc.Routes("../../docs/api/aggregator.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if served := apidoc.AppRoutes(s.App()); !slices.Equal(served, documented) {
		t.Errorf("routes served:\n%v\ndocumented:\n%v", served, documented)
	}
}
