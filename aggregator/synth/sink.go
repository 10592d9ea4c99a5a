package synth

import (
	"context"
	"fmt"
	"time"

	"hailong"
	"hailong/aggregator/outcomes"
	"hailong/aggregator/rollup"
	"hailong/assets"
	"hailong/hierarchy"
	"hailong/procedure"
	"hailong/syncapi"
)

// Importer is the aggregator's bulk write path for ratings
// (ingest.Ingester.Import): every check of a rating but those of a kiosk.
type Importer interface {
	Import(ctx context.Context, rs []hailong.Rating) ([]syncapi.Result, error)
}

// Reporter takes dossier outcomes, as the outcomes book or the one-stop
// API does.
type Reporter interface {
	Report(ctx context.Context, reports []hailong.Outcome, allowed func(unit string) bool) ([]outcomes.Result, error)
}

// Ingest sends what is generated through the aggregator's own write paths,
// which check and store it: ratings to In, outcomes to Book. Anything
// refused is an error.
type Ingest struct {
	In   Importer
	Book Reporter
}

// Ratings imports a batch of ratings.
func (s Ingest) Ratings(ctx context.Context, rs []hailong.Rating) error {
	res, err := s.In.Import(ctx, rs)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Status != syncapi.Accepted {
			return fmt.Errorf("rating %s: %s %s", r.ID, r.Status, r.Reason)
		}
	}
	return nil
}

// Outcomes reports a batch of outcomes.
func (s Ingest) Outcomes(ctx context.Context, os []hailong.Outcome) error {
	res, err := s.Book.Report(ctx, os, func(string) bool { return true })
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Status == outcomes.Rejected {
			return fmt.Errorf("outcome %s: %s", r.Dossier, r.Reason)
		}
	}
	return nil
}

// Memory holds a generated province as the aggregator holds it in memory
// once started: the rollups of the ratings and the book of outcomes, built
// without a database, so a benchmark has millions of ratings in seconds.
// It is also the aggregator web server's Ingester, one that stores
// nothing more.
type Memory struct {
	catalog *hailong.Catalog
	rollup  *rollup.Rollup
	book    *outcomes.Book
	// Comments are the ratings that carry a comment.
	Comments []hailong.Rating
}

// NewMemory returns an empty province that knows the questionnaires of
// catalog and the fields of procs.
func NewMemory(ctx context.Context, catalog *hailong.Catalog, procs []procedure.Procedure) (*Memory, error) {
	book, err := outcomes.Load(ctx, outcomes.Discard)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	for _, p := range procs {
		fields[p.Code] = p.Field
	}
	m := &Memory{catalog: catalog, rollup: rollup.New(), book: book}
	m.rollup.SetFields(fields)
	book.SetFields(fields)
	return m, nil
}

// Ratings counts a batch of ratings in the rollups, and flags the dossiers
// rated not satisfied in the book, as ingest does.
func (m *Memory) Ratings(_ context.Context, rs []hailong.Rating) error {
	facts := make([]rollup.Fact, 0, len(rs))
	var unhappy []string
	for i := range rs {
		r := &rs[i]
		q, ok := m.catalog.Version(r.Questionnaire, r.Version)
		if !ok {
			return fmt.Errorf("rating %s: unknown questionnaire %s version %d", r.ID, r.Questionnaire, r.Version)
		}
		f, ok := rollup.FactOf(r, q)
		if !ok {
			return fmt.Errorf("rating %s: no headline answer", r.ID)
		}
		facts = append(facts, f)
		if f.Dissatisfied && f.Dossier != "" {
			unhappy = append(unhappy, f.Dossier)
		}
		if c, ok := r.Answers["comment"]; ok && c.Text != "" {
			m.Comments = append(m.Comments, *r)
		}
	}
	m.rollup.Add(facts...)
	m.book.MarkUnhappy(unhappy)
	return nil
}

// Outcomes records a batch of outcomes in the book.
func (m *Memory) Outcomes(ctx context.Context, os []hailong.Outcome) error {
	return Ingest{Book: m.book}.Outcomes(ctx, os)
}

// Rollup returns the rollups of the ratings.
func (m *Memory) Rollup() *rollup.Rollup { return m.rollup }

// Flagged returns no rollup of flagged ratings: a generated province has
// no misuse.
func (m *Memory) Flagged() *rollup.Rollup { return nil }

// Book returns the book of outcomes.
func (m *Memory) Book() *outcomes.Book { return m.book }

// Ingest takes nothing: the province is what was generated.
func (m *Memory) Ingest(context.Context, hailong.Enrolment, time.Duration, []hailong.Rating) ([]syncapi.Result, error) {
	return nil, nil
}

// IngestQR takes nothing either.
func (m *Memory) IngestQR(context.Context, hailong.Rating) (syncapi.Result, error) {
	return syncapi.Result{}, nil
}

// Known reports no rating as stored.
func (m *Memory) Known(string) (time.Time, bool) { return time.Time{}, false }

// InMemory generates the province of cfg into memory.
func InMemory(ctx context.Context, catalog *hailong.Catalog, cfg Config) (*Memory, error) {
	cfg = withDefaults(cfg)
	m, err := NewMemory(ctx, catalog, cfg.Procedures)
	if err != nil {
		return nil, err
	}
	return m, Generate(ctx, cfg, m)
}

// Province is the province of cfg in memory, its units, and the embedded
// questionnaires it is rated with: what a benchmark serves.
func Province(ctx context.Context, cfg Config) (*hierarchy.Tree, *Memory, *hailong.Catalog, error) {
	cfg = withDefaults(cfg)
	tree, err := hierarchy.New(cfg.Units)
	if err != nil {
		return nil, nil, nil, err
	}
	catalog, err := hailong.LoadCatalog(assets.FS(""), assets.QuestionnaireDir)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := InMemory(ctx, catalog, cfg)
	return tree, m, catalog, err
}
