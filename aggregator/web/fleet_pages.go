package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/fiberapp"
	"hailong/hierarchy"
	"hailong/measure"
)

// fleetLink is one entry of the /admin index.
type fleetLink struct{ Href, Title, Desc string }

// lineError is one bad line of an import, for the page's table.
type lineError struct{ Line, Column, Message string }

// unitOption is a unit offered in an enrolment form.
type unitOption struct {
	Code, Name string
	Selected   bool
}

// targetRow is one row of the targets form.
type targetRow struct {
	N                        int // from 1
	Measure, Pct, By, Source string
}

// fleetPage is what every admin page shows.
type fleetPage struct {
	Frame
	// Notice and Error are keys into T; Message is the service's own words.
	Notice, Error, Message string
	// NoticeText is the notice in the page's words, Count filled in.
	NoticeText string
	Count      int
	Lines      []lineError
	// Credential is shown once, after an enrolment or a rotation.
	Credential, CredentialFor string
	Links                     []fleetLink
	Kiosks                    []kioskJSON
	Clients                   []clientJSON
	Units                     []unitOption
	Targets                   []targetRow
	CanUnits, CanProcedures   bool
	// Path is the page's own address, where its forms post.
	Path string
}

// fleetRender renders an administration page of the fleet in the frame,
// titled by its name: fleet_kiosks.html is "kiosks".
func (s *Server) fleetRender(c *fiber.Ctx, status int, name string, p fleetPage) error {
	p.Frame = s.frame(c, "admin", "")
	p.T, p.Class = areaWords(p.Lang, "fleet"), "admin"
	area := strings.TrimSuffix(strings.TrimPrefix(name, "fleet_"), ".html")
	p.Title, p.Path = p.T[area], "/admin/"+area
	if p.Notice != "" {
		p.NoticeText = p.T[p.Notice]
		if strings.Contains(p.NoticeText, "%d") {
			p.NoticeText = fmt.Sprintf(p.NoticeText, p.Count)
		}
	}
	for i := range p.Targets {
		p.Targets[i].N = i + 1
	}
	return s.render(c, status, name, p) // no-store: credentials are shown once
}

// settle turns the outcome of a form into the page's status: 200, or the
// refusal's status with the refusal on the page. A fault of ours (no code,
// or 5xx) is returned for the error handler instead.
func (p *fleetPage) settle(lang string, err error) (int, error) {
	if err == nil {
		return fiber.StatusOK, nil
	}
	status := fiberapp.Status(hailong.ErrorCode(err))
	if hailong.ErrorCode(err) == "" || status >= 500 {
		return 0, err
	}
	p.failure(lang, err)
	return status, nil
}

// failure fills a page's error from err, in lang where it can be said: the field errors of a file by
// line, in a table; others after the message.
func (p *fleetPage) failure(lang string, err error) {
	p.Error = "failed"
	p.Message = errorSaidIn(lang, err)
	for _, f := range hailong.ErrorFields(err) {
		rest, isLine := strings.CutPrefix(f.Field, "line ")
		if !isLine {
			p.Message += " " + f.Field + ": " + fieldSaidIn(lang, f)
			continue
		}
		line, col, _ := strings.Cut(rest, ": ")
		p.Lines = append(p.Lines, lineError{Line: line, Column: col, Message: fieldSaidIn(lang, f)})
	}
}

// unitsFor lists the units in force today inside the principal's scope, of
// the given kinds (all kinds when none), for an enrolment form.
func (s *Server) unitsFor(c *fiber.Ctx, selected string, kinds ...hierarchy.Kind) []unitOption {
	today := hailong.DateOf(s.Now())
	allowed := s.scopeFilter(c, today)
	var out []unitOption
	for _, u := range s.Units().Records() {
		if !u.InForce(today) || !allowed(u.Code) || (len(kinds) > 0 && !slices.Contains(kinds, u.Kind)) {
			continue
		}
		out = append(out, unitOption{Code: u.Code, Name: u.Name, Selected: u.Code == selected})
	}
	slices.SortFunc(out, func(a, b unitOption) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// targetRows are the rows of the targets form: the targets, then a blank
// row to add one.
func targetRows(ts []measure.Target) []targetRow {
	var rows []targetRow
	for _, t := range ts {
		rows = append(rows, targetRow{Measure: t.Measure, Pct: strings.TrimRight(strings.TrimRight(strconv.FormatFloat(t.Target*100, 'f', 2, 64), "0"), "."), By: strconv.Itoa(t.By), Source: t.Source})
	}
	return append(rows, targetRow{Measure: "satisfaction"})
}
