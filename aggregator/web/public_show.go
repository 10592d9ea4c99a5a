package web

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/report"
	"hailong/hierarchy"
)

// Publication is the province's switch of the public results page, which
// an administrator turns on; off, /public answers 404.
type Publication interface {
	Published() bool
	// SetPublished stores the switch; by names who changed it.
	SetPublished(ctx context.Context, on bool, by string) error
}

// publicPage is the public results page: each centre's satisfaction in the
// last closed quarter, grouped by the unit the centre serves.
type publicPage struct {
	F      Frame
	Period report.Period
	Intro  string
	Groups []publicGroup
	Note   string
	AsOf   hailong.Date
}

// publicGroup is the table of one province or commune's centres.
type publicGroup struct {
	Table report.Table
	// Shown says, by row, whether the rate is published.
	Shown []bool
}

// publicCache keeps the rendered page by language while the data it was
// made from stays the same: the page changes at a quarter's end, or when a
// late rating, a rebuild or a units import changes the figures.
type publicCache struct {
	mu      sync.Mutex
	entries map[string]publicEntry
}

type publicEntry struct {
	key  string
	body []byte
}

// publicShow renders /public for anyone, when the province publishes it.
// The rendered page is cached; it is rate-limited like the phone pages.
func (s *Server) publicShow(c *fiber.Ctx) error {
	if s.Publication == nil || !s.Publication.Published() {
		return fiber.ErrNotFound
	}
	lang := pageLang(c)
	today := hailong.DateOf(s.Now())
	r := s.Ingester.Rollup()
	key := fmt.Sprintf("%s|%d|%p|%d|%p|%d", lang, today, r, r.Ratings(), s.Units(), s.MinSample)
	s.publicCache.mu.Lock()
	e, ok := s.publicCache.entries[lang]
	s.publicCache.mu.Unlock()
	if !ok || e.key != key {
		body, err := s.renderPublic(c, today)
		if err != nil {
			return err
		}
		e = publicEntry{key: key, body: body}
		s.publicCache.mu.Lock()
		s.publicCache.entries[lang] = e
		s.publicCache.mu.Unlock()
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(e.body)
}

// renderPublic makes the page: for every province in force today, its
// centres, then each commune's.
func (s *Server) renderPublic(c *fiber.Ctx, today hailong.Date) ([]byte, error) {
	f := s.frame(c, "public", "pub_title")
	lang, w := f.Lang, f.T
	period := report.LastClosedQuarter(today)
	p := publicPage{F: f, Period: period, AsOf: today, Intro: fmt.Sprintf(w["pub_intro"], periodLabel(lang, period)),
		Note: fmt.Sprintf(w["pub_method"], formatNumber(lang, s.MinSample, 0))}
	tree := s.Units()
	rep := s.reporter()
	group := func(title string, parent string) error {
		g := publicGroup{Table: report.Table{Name: "public-" + parent, Title: title, Columns: []report.Column{
			{Title: w["pub_centre"]}, {Title: w["pub_rate"], Kind: report.KindRate}, {Title: w["pub_n"], Kind: report.KindCount}, {Title: w["pub_ci"]},
		}}}
		for _, u := range tree.Children(parent, today) {
			if u.Kind != hierarchy.Centre {
				continue
			}
			q := report.Query{Unit: u.Code, Period: period, AsOf: today}
			if err := rep.Resolve(&q); err != nil {
				return err
			}
			sat := rep.Satisfaction(q)
			n := float64(sat.N)
			row := report.Row{Cells: []report.Cell{{Text: u.Name}, {Text: w["pub_withheld"]}, {Value: &n}, {}}}
			shown := sat.Rate != nil && sat.EnoughRatings
			if shown {
				row.Cells[1] = report.Cell{Value: sat.Rate}
				row.Cells[3] = report.Cell{Text: formatInterval(lang, sat.CI95)}
			}
			g.Table.Rows = append(g.Table.Rows, row)
			g.Shown = append(g.Shown, shown)
		}
		if len(g.Table.Rows) > 0 {
			p.Groups = append(p.Groups, g)
		}
		return nil
	}
	for _, prov := range tree.Roots(today) {
		if err := group(prov.Name+" — "+w["pub_province_level"], prov.Code); err != nil {
			return nil, err
		}
		for _, u := range tree.Children(prov.Code, today) {
			if u.Kind == hierarchy.Centre {
				continue
			}
			if err := group(u.Name, u.Code); err != nil {
				return nil, err
			}
		}
	}
	var b bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&b, "public.html", p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
