package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hailong"
	"hailong/aggregator/national"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
	"hailong/aggregator/web"
	"hailong/syncapi"
)

// DefaultNationalPullEvery is how often a national aggregator pulls the
// provinces' rollup cells.
const DefaultNationalPullEvery = time.Minute

// startNational makes the national view of Config.NationalSources, pulls
// each source once (a source that is down is logged and pulled again at
// the next tick: the view serves without it meanwhile) and keeps pulling.
func (m *Main) startNational(ctx context.Context) error {
	cfg := m.Config
	if cfg.Lease || len(cfg.Provinces) > 0 {
		return errors.New("a national aggregator (-national-sources) owns no province: leave out -lease and -provinces")
	}
	v, err := national.New(national.Config{Sources: cfg.NationalSources, Units: m.units.Load,
		Fields: func() map[string]string { return m.procedures.Load().Fields() }, Logger: m.Logger.With("component", "national")})
	if err != nil {
		return err
	}
	m.national = v
	m.nationalMetrics(v)
	start := time.Now()
	if err := v.Pull(ctx); err != nil {
		m.Logger.Warn("national view: a province could not be pulled at start; its figures are missing until it answers", "err", err)
	}
	m.Logger.Info("national view pulled", "sources", len(cfg.NationalSources), "ratings", v.Rollup().Ratings(),
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// nationalMetrics registers, for each source, how old its figures are and
// whether its last pull failed, read when scraped.
func (m *Main) nationalMetrics(v *national.View) {
	status := func(i int) national.SourceStatus { return v.Sources()[i] }
	for i, src := range m.Config.NationalSources {
		labels := prometheus.Labels{"provinces": strings.Join(src.Provinces, " ")}
		m.registry.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hailong_national_source_age_seconds", ConstLabels: labels,
				Help: "How old the national view's figures of the provinces are: seconds since their last successful pull, -1 if never."},
				func() float64 { return status(i).Age }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hailong_national_source_failing", ConstLabels: labels,
				Help: "1 when the last pull of the provinces failed (the view keeps the figures pulled before), else 0."},
				func() float64 {
					if status(i).Error != "" {
						return 1
					}
					return 0
				}),
		)
	}
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "hailong_national_rollup_ratings",
		Help: "Ratings of every province in the national view's rollup."}, func() float64 { return float64(v.Rollup().Ratings()) }))
}

// runNational keeps pulling until ctx ends.
func (m *Main) runNational(ctx context.Context) {
	every := m.Config.NationalPullEvery
	if every <= 0 {
		every = DefaultNationalPullEvery
	}
	m.national.Run(ctx, every)
}

// National returns the national view, nil unless Config.NationalSources
// is set.
func (m *Main) National() *national.View { return m.national }

// errNational refuses uploads to a national aggregator.
var errNational = hailong.Errorf(hailong.EFORBIDDEN, "This is the national view: it takes no ratings or outcomes. Send them to the aggregator of the unit's province.")

// nationalIngester serves the national view's rollups and refuses
// uploads.
type nationalIngester struct {
	web.Ingester
	view *national.View
}

func (n nationalIngester) Ingest(context.Context, hailong.Enrolment, time.Duration, []hailong.Rating) ([]syncapi.Result, error) {
	return nil, errNational
}

func (n nationalIngester) IngestQR(context.Context, hailong.Rating) (syncapi.Result, error) {
	return syncapi.Result{}, errNational
}

func (n nationalIngester) Rollup() *rollup.Rollup  { return n.view.Rollup() }
func (n nationalIngester) Flagged() *rollup.Rollup { return n.view.Flagged() }

// nationalBook answers the outcome measures from the national view's
// outcome sums and refuses reports.
type nationalBook struct{ view *national.View }

func (n nationalBook) book() *outcomes.Book { return outcomes.Over(n.view.Outcomes()) }

func (n nationalBook) Report(context.Context, []hailong.Outcome, func(string) bool) ([]outcomes.Result, error) {
	return nil, errNational
}

func (n nationalBook) Query(units []string, from, to hailong.Date, f rollup.Filter) rollup.Outcomes {
	return n.book().Query(units, from, to, f)
}

func (n nationalBook) Breakdown(units []string, group []int, from, to hailong.Date, f rollup.Filter) (all rollup.Outcomes, groups, months []rollup.Outcomes) {
	return n.book().Breakdown(units, group, from, to, f)
}

// Groups sums outcomes by dimension, as the provincial book does
// (report.OutcomeGrouper).
func (n nationalBook) Groups(units []string, from, to hailong.Date, f rollup.Filter, by []rollup.Dimension) []map[string]rollup.Outcomes {
	return n.book().Groups(units, from, to, f, by)
}

// Rollup returns the outcome sums, so that the national view can itself be
// pulled from like a province.
func (n nationalBook) Rollup() *rollup.Rollup { return n.view.Outcomes() }
