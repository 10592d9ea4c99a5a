package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/export"
	"hailong/aggregator/report"
)

// kiosksPage is the analysts' view of the fleet: a table of kiosks, worst
// first, and how many are in each status.
type kiosksPage struct {
	F       Frame
	Units   []unitOption
	Problem map[string]string
	Summary []statusCount
	Table   report.Table
	// Statuses are the rows' statuses, for their colour.
	Statuses []string
	Note     string
}

// statusCount is how many kiosks are in one status.
type statusCount struct {
	Status, Label string
	N             int
}

// kiosksShow renders /kiosks: every kiosk of the reader's scope (or of
// unit's subtree) with its health, silent and stuck ones first, as words
// with a colour. It only reads: enrolment and credentials stay on
// /admin/kiosks. format=csv|xlsx downloads the table.
func (s *Server) kiosksShow(c *fiber.Ctx) error {
	f := s.frame(c, "kiosks", "ks_title")
	lang, w := f.Lang, f.T
	now := s.Now()
	lim := s.FleetLimits.withDefaults()
	p := kiosksPage{F: f, Problem: map[string]string{}, Units: s.unitsFor(c, c.Query("unit")),
		Note: fmt.Sprintf(w["ks_note"], export.Duration(lang, lim.SilentAfter), export.Duration(lang, lim.StuckAfter), export.Duration(lang, lim.ClockTolerance))}
	views, err := s.fleetInScope(c, c.Query("unit"), now)
	if hailong.ErrorCode(err) == hailong.ENOTFOUND {
		p.Problem["unit"] = report.Problem{Field: "unit", Code: "no_unit", Args: []any{c.Query("unit"), hailong.DateOf(now)}}.Message(lang)
		return s.render(c, fiber.StatusBadRequest, "kiosks.html", p)
	} else if err != nil {
		return err
	}
	p.Table = report.Table{Name: "kiosks", Title: w["ks_title"], Note: p.Note, Columns: []report.Column{
		{Title: w["ks_status"]}, {Title: w["ks_kiosk"]}, {Title: w["ks_unit"]}, {Title: w["ks_last_seen"]},
		{Title: w["ks_queue"], Kind: report.KindCount}, {Title: w["ks_oldest"]}, {Title: w["ks_failed"], Kind: report.KindCount},
		{Title: w["ks_quarantined"], Kind: report.KindCount}, {Title: w["ks_clock"]}, {Title: w["ks_version"]}, {Title: w["ks_problems"]},
	}}
	counts := map[string]int{}
	for _, v := range views {
		counts[v.Status]++
		p.Statuses = append(p.Statuses, v.Status)
		seen := w["ks_never"]
		if v.LastSeen != nil {
			seen = fmt.Sprintf(w["ks_ago"], export.Duration(lang, time.Duration(*v.SilentS)*time.Second))
		}
		oldest := ""
		if v.OldestQueuedAgeS != nil {
			oldest = export.Duration(lang, time.Duration(*v.OldestQueuedAgeS)*time.Second)
		}
		clock := ""
		if v.ClockOffsetMS != nil {
			// Positive: the kiosk's clock is behind the aggregator's.
			ms, sign := *v.ClockOffsetMS, "+"
			if ms < 0 {
				ms, sign = -ms, "−"
			}
			if ms >= 60_000 {
				clock = sign + export.Duration(lang, time.Duration(ms)*time.Millisecond)
			} else {
				clock = sign + formatNumber(lang, float64(ms)/1000, 1) + " " + w["ks_s"]
			}
		}
		var problems []string
		for _, pr := range v.Problems {
			problems = append(problems, w["ks_p_"+pr])
		}
		unit := v.Unit
		if v.UnitName != "" {
			unit = v.UnitName + " (" + v.Unit + ")"
		}
		p.Table.Rows = append(p.Table.Rows, report.Row{Cells: []report.Cell{
			{Text: w["ks_st_"+v.Status]}, {Text: v.Kiosk}, {Text: unit}, {Text: seen},
			{Value: count(v.Queued)}, {Text: oldest}, {Value: count(v.Failed)}, {Value: count(v.Quarantined)}, {Text: clock}, {Text: v.Version},
			{Text: strings.Join(problems, "; ")},
		}})
	}
	for _, st := range statusOrder {
		if counts[st] > 0 {
			p.Summary = append(p.Summary, statusCount{st, w["ks_st_"+st], counts[st]})
		}
	}
	meta := report.Meta{Title: p.Table.Title, Unit: c.Query("unit"), AsOf: hailong.DateOf(now), Lang: lang,
		Period: report.Period{From: hailong.DateOf(now), To: hailong.DateOf(now), Kind: report.Custom}}
	if meta.Unit == "" {
		meta.Unit = principalOf(c).Scope
	}
	if u, ok := s.Units().At(meta.Unit, meta.AsOf); ok {
		meta.UnitName = u.Name
	}
	if done, err := s.download(c, meta, func() []report.Table { return []report.Table{p.Table} }); done {
		return err
	}
	return s.render(c, fiber.StatusOK, "kiosks.html", p)
}
