package app

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"hailong/fiberapp"
	"hailong/syncapi"
)

// metrics registers the node's metrics: requests by route, ratings newly
// recorded (the 201s of POST /api/v1/ratings: a repeat answers 200) and the
// outbox's counts, read when scraped.
func (m *Main) metrics() *fiberapp.Metrics {
	metrics := fiberapp.NewMetrics(m.registry)
	recorded := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hailong_kiosk_ratings_recorded_total",
		Help: "Ratings newly recorded in the outbox (answered 201).",
	})
	m.registry.MustRegister(recorded)
	metrics.CountAnswers(recorded, http.MethodPost, "/api/v1/ratings", http.StatusCreated)
	for _, state := range []string{"queued", "synced", "failed", "quarantined"} {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "hailong_kiosk_outbox_ratings",
			Help:        "Ratings in the outbox: queued for upload (the queue's length), synced, failed (refused by the aggregator, kept for an operator), or quarantined (unreadable entries moved aside).",
			ConstLabels: prometheus.Labels{"state": state},
		}, func() float64 {
			st, err := m.outbox.Stats()
			if err != nil {
				return -1 // the store is unreadable: no count is true
			}
			switch state {
			case "queued":
				return float64(st.Queued)
			case "synced":
				return float64(st.Synced)
			case "quarantined":
				return float64(st.Quarantined)
			default:
				return float64(st.Failed)
			}
		}))
	}
	return metrics
}

// countCalls counts the uploader's calls to the aggregator by outcome.
func countCalls(c *prometheus.CounterVec, next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		call := "other"
		switch p := req.URL.Path; { // the aggregator's URL may have a path of its own
		case strings.HasSuffix(p, syncapi.Path):
			call = "sync"
		case strings.HasSuffix(p, syncapi.HeartbeatPath):
			call = "heartbeat"
		case strings.HasSuffix(p, syncapi.ConfigPath):
			call = "config"
		}
		resp, err := next.RoundTrip(req)
		outcome := "error"
		if err == nil {
			outcome = strconv.Itoa(resp.StatusCode/100) + "xx"
		}
		c.WithLabelValues(call, outcome).Inc()
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
