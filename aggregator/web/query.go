package web

import (
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/report"
	"hailong/aggregator/rollup"
)

// reporter returns the report maker over the server's current data.
// Reporter makes the reports the pages and the API show, for the
// scheduled reports to make the same figures.
func (s *Server) Reporter() *report.Reporter { return s.reporter() }

func (s *Server) reporter() *report.Reporter {
	return &report.Reporter{
		Rollup: s.Ingester.Rollup, Flagged: s.Ingester.Flagged, Outcomes: s.Outcomes, Catalog: s.Catalog, Units: s.Units, Procedures: s.Procedures,
		Targets: s.targetList, MinSample: s.MinSample,
	}
}

// queryOptions says how a handler reads a report query.
type queryOptions struct {
	// Default is the period when none is asked; zero makes one required
	// (the API), pages default to the current quarter.
	Default report.Period
	// Lang is the language of the field messages; "" is English.
	Lang string
	// OptionalUnit lets the unit be left out, for pages that then show
	// the reader's whole scope.
	OptionalUnit bool
}

// parseQuery reads the query every measure handler and page asks — unit,
// period, structure date and filters — checks it, checks the unit is in
// the reader's scope, and resolves its rating units. The one reader of a
// report query for the API, the pages and the exports.
func (s *Server) parseQuery(c *fiber.Ctx, o queryOptions) (report.Query, error) {
	q, ps := s.readQuery(c.Query, o)
	if err := ps.Err(o.Lang); err != nil {
		return q, err
	}
	// The scope is checked once the query is valid, and before anything
	// is read: out of scope, nothing is answered but 403.
	var err error
	if q.Unit, err = s.inScope(c, q.Unit, q.AsOf); err != nil {
		return q, err
	}
	if err := s.reporter().Resolve(&q); err != nil {
		return q, err
	}
	return q, nil
}

// readQuery reads and checks a report query's parameters without looking
// at the reader or the data, returning every problem found.
func (s *Server) readQuery(get func(key string, def ...string) string, o queryOptions) (report.Query, report.Problems) {
	one := func(key string) string { return get(key) }
	var q report.Query
	period, ps := report.ParsePeriod(one, o.Default)
	q.Period = period
	q.Unit = get("unit")
	q.AsOf = hailong.DateOf(s.Now())
	if v := get("as_of"); v != "" {
		d, err := hailong.ReadDate(v)
		if err != nil {
			ps.Add("as_of", "date", v)
		} else {
			q.AsOf = d
		}
	}
	f := rollup.Filter{
		Questionnaire: get("questionnaire"), Channel: hailong.Channel(get("channel")),
		Procedure: get("procedure"), Official: get("official"), Counter: get("counter"),
	}
	if f.Channel != "" && !f.Channel.Valid() {
		ps.Add("channel", "channel", clip(string(f.Channel)))
	}
	if f.Procedure != "" && hailong.CheckProcedureCode(f.Procedure) != nil {
		ps.Add("procedure", "procedure", clip(f.Procedure))
	}
	for _, x := range []struct{ field, v string }{{"official", f.Official}, {"counter", f.Counter}} {
		if x.v != "" && hailong.CheckRef(x.v) != nil {
			ps.Add(x.field, "ref", clip(x.v))
		}
	}
	if field := get("field"); field != "" {
		if s.Procedures == nil || len(s.Procedures().InField(field)) == 0 {
			ps.Add("field", "no_field", field)
		} else {
			f.Field = field
		}
	}
	if f.Questionnaire != "" {
		if _, ok := s.Catalog.Latest(f.Questionnaire); !ok {
			ps.Add("questionnaire", "unknown", f.Questionnaire)
		}
	}
	q.Filter = f
	switch v := get("include_flagged"); v {
	case "", "false":
	case "true":
		q.IncludeFlagged = true
	default:
		either := "true or false"
		if o.Lang == "vi" {
			either = "true hoặc false"
		}
		ps.Add("include_flagged", "not_in", v, either)
	}
	return q, ps
}

// clip shortens a value a request sent to what a message quotes of it: 40
// characters at most, cut between characters.
func clip(v string) string {
	const most = 40
	if utf8.RuneCountInString(v) <= most {
		return v
	}
	return string([]rune(v)[:most]) + "…"
}
