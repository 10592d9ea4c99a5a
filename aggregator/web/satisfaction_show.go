package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/rollup"
	"hailong/measure"
)

// measureQuery is what every measure request asks: a unit subtree, a
// period, the structure date and filters.
type measureQuery struct {
	Unit     string
	From, To hailong.Date
	AsOf     hailong.Date
	Filter   rollup.Filter
	// IncludeFlagged adds the flagged ratings to the measures.
	IncludeFlagged bool
	units          []string // rating units in the subtree
}

// maxPeriodDays bounds a period, so one request cannot ask for centuries.
const maxPeriodDays = 366 * 20

func (s *Server) parseMeasureQuery(c *fiber.Ctx) (measureQuery, error) {
	var (
		q      measureQuery
		fields []hailong.FieldError
		err    error
	)
	bad := func(field, msg string) { fields = append(fields, hailong.FieldError{Field: field, Message: msg}) }
	date := func(field string, required bool, def hailong.Date) hailong.Date {
		v := c.Query(field)
		if v == "" {
			if required {
				bad(field, "is required, as YYYY-MM-DD")
			}
			return def
		}
		d, err := hailong.ParseDate(v)
		if err != nil {
			bad(field, err.Error())
		}
		return d
	}
	q.Unit = c.Query("unit")
	if q.IncludeFlagged, err = parseIncludeFlagged(c); err != nil {
		fields = append(fields, hailong.ErrorFields(err)...)
	}
	q.From = date("from", true, 0)
	q.To = date("to", true, 0)
	q.AsOf = date("as_of", false, hailong.DateOf(s.Now()))
	if q.From > q.To && c.Query("from") != "" && c.Query("to") != "" {
		bad("to", "must not be before from")
	} else if q.To-q.From > maxPeriodDays {
		bad("to", fmt.Sprintf("the period may span at most %d days", maxPeriodDays))
	}
	f := rollup.Filter{
		Questionnaire: c.Query("questionnaire"), Channel: hailong.Channel(c.Query("channel")),
		Procedure: c.Query("procedure"), Official: c.Query("official"), Counter: c.Query("counter"),
	}
	if f.Channel != "" && !f.Channel.Valid() {
		bad("channel", fmt.Sprintf("%q is not kiosk or qr", f.Channel))
	}
	if f.Procedure != "" {
		if err := hailong.CheckProcedureCode(f.Procedure); err != nil {
			bad("procedure", err.Error())
		}
	}
	for field, v := range map[string]string{"official": f.Official, "counter": f.Counter} {
		if v != "" {
			if err := hailong.CheckRef(v); err != nil {
				bad(field, err.Error())
			}
		}
	}
	if field := c.Query("field"); field != "" {
		if s.Procedures == nil || len(s.Procedures().InField(field)) == 0 {
			bad("field", fmt.Sprintf("no procedure of the catalogue is in field %q", field))
		} else {
			f.Field = field
		}
	}
	q.Filter = f
	if len(fields) > 0 {
		return q, hailong.Invalid("The query is not valid.", fields...)
	}
	// The scope is checked once the query is valid, and before anything
	// is read: out of scope, nothing is answered but 403.
	if q.Unit, err = s.inScope(c, q.Unit, q.AsOf); err != nil {
		return q, err
	}
	if q.units, err = s.Units().Subtree(q.Unit, q.AsOf); err != nil {
		return q, err
	}
	return q, nil
}

type channelJSON struct {
	N         int64 `json:"n"`
	Satisfied int64 `json:"satisfied"`
}

type satisfactionJSON struct {
	Unit          string                 `json:"unit"`
	From          hailong.Date           `json:"from"`
	To            hailong.Date           `json:"to"`
	AsOf          hailong.Date           `json:"as_of"`
	N             int64                  `json:"n"`
	Satisfied     int64                  `json:"satisfied"`
	Rate          *float64               `json:"rate"`
	CI95          *[2]float64            `json:"ci95"`
	ByChannel     map[string]channelJSON `json:"by_channel"`
	MinSample     int64                  `json:"min_sample"`
	EnoughRatings bool                   `json:"enough_ratings"`
	Flagged       flaggedJSON            `json:"flagged"`
}

func (s *Server) satisfaction(q measureQuery) satisfactionJSON {
	res, flagged := s.ratingsQuery(q)
	out := satisfactionJSON{
		Unit: q.Unit, From: q.From, To: q.To, AsOf: q.AsOf, Flagged: flagged,
		N: res.Total.N, Satisfied: res.Total.Satisfied,
		ByChannel: map[string]channelJSON{}, MinSample: s.MinSample,
	}
	for ch, t := range res.ByChannel {
		out.ByChannel[string(ch)] = channelJSON{N: t.N, Satisfied: t.Satisfied}
	}
	p := measure.Proportion{N: res.Total.N, Successes: res.Total.Satisfied}
	if rate, ok := p.Rate(); ok {
		rate = measure.Round4(rate)
		lo, hi, _ := p.Wilson(measure.Z95)
		out.Rate, out.CI95 = &rate, &[2]float64{measure.Round4(lo), measure.Round4(hi)}
	}
	out.EnoughRatings = p.Enough(s.MinSample)
	return out
}

// satisfactionShow answers GET /api/v1/satisfaction.
func (s *Server) satisfactionShow(c *fiber.Ctx) error {
	q, err := s.parseMeasureQuery(c)
	if err != nil {
		return err
	}
	return c.JSON(s.satisfaction(q))
}
