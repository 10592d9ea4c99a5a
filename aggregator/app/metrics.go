package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/fiberapp"
	"hailong/syncapi"
)

// metrics registers the aggregator's metrics: requests by route and the
// rollup's size, read when scraped. The ingest counts come from
// countIngests.
func (m *Main) metrics() *fiberapp.Metrics {
	metrics := fiberapp.NewMetrics(m.registry)
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hailong_aggregator_rollup_ratings",
			Help: "Ratings counted in the in-memory rollup.",
		}, func() float64 { return float64(m.ingester.Rollup().Ratings()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hailong_aggregator_rollup_cells",
			Help: "Cells of the in-memory rollup (unit, day and combination of dimensions): its memory grows with them.",
		}, func() float64 { return float64(m.ingester.Rollup().Cells()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hailong_aggregator_comments_held",
			Help: "Citizens' comments held in memory, of the months read lately (within -comments-budget).",
		}, func() float64 { return float64(m.ingester.Comments().Residence().Comments) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hailong_aggregator_comments_months_resident",
			Help: "Months of comments in memory; the others are read from the database when a query first needs them.",
		}, func() float64 { return float64(m.ingester.Comments().Residence().Resident) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hailong_aggregator_comments_month_reads_total",
			Help: "Months of comments read from the database since the index was made (a rebuild makes it again).",
		}, func() float64 { return float64(m.ingester.Comments().Residence().Reads) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hailong_aggregator_outcome_dossiers_held",
			Help: "Dossiers whose latest outcome reports are held in memory (within -outcomes-budget); the others are read by month when first needed.",
		}, func() float64 { return float64(m.book.Resident()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hailong_aggregator_comments_month_drops_total",
			Help: "Months of comments dropped from memory to keep within -comments-budget since the index was made.",
		}, func() float64 { return float64(m.ingester.Comments().Residence().Drops) }),
	)
	for _, r := range []struct {
		name   string
		rollup func() *rollup.Rollup
	}{{"main", m.ingester.Rollup}, {"flagged", m.ingester.Flagged}} {
		labels := prometheus.Labels{"rollup": r.name}
		m.registry.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "hailong_aggregator_rollup_months_resident", ConstLabels: labels,
				Help: "Months of the rollup in memory.",
			}, func() float64 { return float64(r.rollup().Residence().Months) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "hailong_aggregator_rollup_months_cold", ConstLabels: labels,
				Help: "Months of the rollup persisted and not in memory: loaded when a query first reads them.",
			}, func() float64 { return float64(r.rollup().Residence().Cold) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "hailong_aggregator_rollup_month_loads_total", ConstLabels: labels,
				Help: "Months of the rollup loaded on first use since it was made (a rebuild makes it again).",
			}, func() float64 { return float64(r.rollup().Residence().Loads) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "hailong_aggregator_rollup_month_drops_total", ConstLabels: labels,
				Help: "Months of the rollup dropped from memory to keep within -rollup-budget since it was made.",
			}, func() float64 { return float64(r.rollup().Residence().Drops) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "hailong_aggregator_rollup_summary_reads_total", ConstLabels: labels,
				Help: "Summaries of cold months read, for queries of whole months that need no more of them, since the rollup was made.",
			}, func() float64 { return float64(r.rollup().Residence().SummaryReads) }),
		)
	}
	return metrics
}

// countingIngester counts what becomes of the ratings the web server hands
// to the ingester, without the ingester knowing of metrics.
type countingIngester struct {
	web.Ingester
	accepted *prometheus.CounterVec // by channel
	results  *prometheus.CounterVec // by way in and status
}

// countIngests wraps the ingester with counters registered in m.registry.
func (m *Main) countIngests(in web.Ingester) web.Ingester {
	c := &countingIngester{
		Ingester: in,
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hailong_aggregator_ratings_accepted_total",
			Help: "Ratings newly stored, by channel (kiosk, qr).",
		}, []string{"channel"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hailong_aggregator_ingest_results_total",
			Help: "What became of each rating offered, by way in (sync: kiosk uploads, qr: phones) and status (accepted, duplicate, conflict, rejected, deferred).",
		}, []string{"via", "status"}),
	}
	m.registry.MustRegister(c.accepted, c.results)
	return c
}

// Ingest counts the results of a kiosk's upload.
func (c *countingIngester) Ingest(ctx context.Context, k hailong.Enrolment, offset time.Duration, rs []hailong.Rating) ([]syncapi.Result, error) {
	res, err := c.Ingester.Ingest(ctx, k, offset, rs)
	if err == nil {
		c.count("sync", rs, res)
	}
	return res, err
}

// IngestQR counts the result of a rating from a phone.
func (c *countingIngester) IngestQR(ctx context.Context, r hailong.Rating) (syncapi.Result, error) {
	res, err := c.Ingester.IngestQR(ctx, r)
	if err == nil {
		c.count("qr", []hailong.Rating{r}, []syncapi.Result{res})
	}
	return res, err
}

// count counts results, which answer the ratings one each, in order.
func (c *countingIngester) count(via string, rs []hailong.Rating, res []syncapi.Result) {
	for i, r := range res {
		c.results.WithLabelValues(via, string(r.Status)).Inc()
		if r.Status == syncapi.Accepted && i < len(rs) {
			c.accepted.WithLabelValues(string(rs[i].Channel)).Inc()
		}
	}
}
