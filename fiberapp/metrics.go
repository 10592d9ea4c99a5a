package fiberapp

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
)

// routeKey is the request value under which routeLabel leaves the route.
type routeKey struct{}

// Unmatched is the route label of requests that matched no route.
const Unmatched = "unmatched"

// routeLabel leaves the pattern of the route that answered a request (never
// the raw path, which would make a label per URL) for the metrics, which
// see the request only after Fiber has released its context.
func routeLabel(c *fiber.Ctx) error {
	defer func() { // also when a handler panics
		route := c.Route().Path
		if route == "/" && c.Path() != "/" {
			route = Unmatched // a catch-all middleware answered: a 404
		}
		c.Context().SetUserValue(routeKey{}, route)
	}()
	return c.Next()
}

// Metrics measures the requests an application answers, in a registry of
// its own process.
type Metrics struct {
	latency *prometheus.HistogramVec
	counts  map[answer]prometheus.Counter
	reg     prometheus.Registerer
}

// answer is one kind of answer to one route.
type answer struct {
	method, route string
	status        int
}

// NewMetrics registers request metrics in reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hailong_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern, method and status class (2xx, 4xx, ...).",
			// From a cached page to a slow upload on the embedded database.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "class"}),
		counts: map[answer]prometheus.Counter{},
		reg:    reg,
	}
	reg.MustRegister(m.latency)
	return m
}

// CountAnswers counts the answers with status to method and route (the
// pattern as registered) in c: ratings newly recorded at a kiosk are the
// 201s of POST /api/v1/ratings. Call it before Serve.
func (m *Metrics) CountAnswers(c prometheus.Counter, method, route string, status int) {
	m.counts[answer{method, route, status}] = c
}

// instrument wraps the application's request handler, around Fiber's own,
// so that the time and status include the error handler's answer.
func (m *Metrics) instrument(app *fiber.App) {
	srv := app.Server()
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		t0 := time.Now()
		next(ctx)
		route, _ := ctx.UserValue(routeKey{}).(string)
		if route == "" {
			route = Unmatched
		}
		method := methodLabel(ctx.Method())
		status := ctx.Response.StatusCode()
		m.latency.WithLabelValues(route, method, strconv.Itoa(status/100)+"xx").Observe(time.Since(t0).Seconds())
		if c, ok := m.counts[answer{method, route, status}]; ok {
			c.Inc()
		}
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hailong_http_open_connections",
			Help: "HTTP connections open now.",
		}, func() float64 { return float64(srv.GetOpenConnectionsCount()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hailong_http_max_connections",
			Help: "The cap on concurrent HTTP connections, derived from the open-file limit; more are refused.",
		}, func() float64 { return float64(srv.Concurrency) }),
	)
}

// methodLabel keeps the method label to the standard methods: a client may
// send any token as a method.
func methodLabel(b []byte) string {
	switch m := string(b); m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace:
		return m
	default:
		return "other"
	}
}
