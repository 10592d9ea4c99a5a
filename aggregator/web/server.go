// Package web is the aggregator's HTTP server: kiosk uploads, the public
// measures API of API.md and the analysts' pages.
package web

import (
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/fiberapp"
	"hailong/hierarchy"
	"hailong/syncapi"
)

// Ingester stores uploads and owns the rollups.
type Ingester interface {
	Ingest(ctx context.Context, k hailong.Kiosk, rs []hailong.Rating) ([]syncapi.Result, error)
	Rollup() *rollup.Rollup
}

// Authenticator checks a kiosk's Authorization header.
type Authenticator interface {
	Authenticate(ctx context.Context, authorization string) (hailong.Kiosk, error)
}

// Pinger checks the database.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server serves the aggregator.
type Server struct {
	Ingester  Ingester
	Kiosks    Authenticator
	DB        Pinger
	Units     func() *hierarchy.Tree
	Assets    fs.FS
	Logger    *slog.Logger
	MinSample int64
	Now       func() time.Time

	app  *fiber.App
	tmpl *template.Template
}

// New builds the server and its routes.
func New(s *Server) (*Server, error) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	tmpl, err := template.New("").Funcs(funcs).ParseFS(s.Assets, "aggregator/*.html")
	if err != nil {
		return nil, err
	}
	s.tmpl = tmpl
	s.app = fiberapp.New(fiberapp.Config{
		Name: "hailong-aggregator",
		// A full upload of MaxBatch ratings with long comments fits.
		BodyLimit: 8 << 20,
		Logger:    s.Logger,
	})
	s.routes()
	return s, nil
}

// routes lists every route of the aggregator.
func (s *Server) routes() {
	a := s.app
	a.Get("/healthz", s.healthShow)
	a.Get("/readyz", s.readyShow)
	a.Post(syncapi.Path, s.syncCreate)
	a.Get("/api/v1/satisfaction", s.satisfactionShow)
	a.Get("/api/v1/units", s.unitsList)
	a.Get("/", s.dashboardShow)
	a.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(mustSub(s.Assets, "aggregator/static")), MaxAge: 3600}))
	a.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// App returns the Fiber application.
func (s *Server) App() *fiber.App { return s.app }

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
