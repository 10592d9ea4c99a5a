package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/report"
)

// commentsPage is the comments page: its filters as asked, the problems
// beside them, and a page of comments newest first.
type commentsPage struct {
	F       Frame
	Units   []unitOption
	Moods   []choice
	Chans   []choice
	Problem map[string]string // by field, in the page's language
	Period  report.Period
	Items   []commentView
	Total   int
	Older   string // the address of the next page, "" on the last
	Newest  string // the address of the first page, "" on it
	Note    string
	Table   report.Table
	// Active counts the filters asked, shown on the closed filter box.
	Active int
}

// choice is one option of a select.
type choice struct {
	Value, Label string
	Selected     bool
}

// commentsShow renders /comments: the citizens' comments in the reader's
// scope, filtered by unit, period, level, procedure and channel, newest
// first, a page at a time; with format=csv|xlsx the newest
// commentsMaxDownload of them as a file.
func (s *Server) commentsShow(c *fiber.Ctx) error {
	f := s.frame(c, "comments", "cm_title")
	lang := f.Lang
	cq, ps, err := s.readComments(c, lang)
	if err != nil {
		return err
	}
	p := commentsPage{F: f, Problem: map[string]string{}, Period: cq.Period,
		Units: s.unitsFor(c, c.Query("unit")), Note: words[lang]["cm_privacy"]}
	for _, k := range []string{"unit", "period", "from", "level", "procedure", "field", "channel", "questionnaire", "official", "counter"} {
		if f.Query.Get(k) != "" {
			p.Active++
		}
	}
	for _, m := range comments.Moods {
		p.Moods = append(p.Moods, choice{string(m), words[lang]["cm_mood_"+string(m)], m == cq.Mood})
	}
	for _, ch := range []hailong.Channel{hailong.ChannelKiosk, hailong.ChannelQR} {
		p.Chans = append(p.Chans, choice{string(ch), words[lang]["cm_channel_"+string(ch)], ch == cq.Query.Filter.Channel})
	}
	if len(ps) > 0 {
		if c.Query("format") != "" {
			return ps.Err(lang)
		}
		for _, pr := range ps {
			if _, ok := p.Problem[pr.Field]; !ok {
				p.Problem[pr.Field] = pr.Message(lang)
			}
		}
		return s.render(c, fiber.StatusBadRequest, "comments.html", p)
	}
	limit := cq.Limit
	if c.Query("format") != "" {
		limit, cq.After = commentsMaxDownload, comments.Cursor{}
	}
	page, err := s.queryComments(c, cq.Filter, cq.After, limit)
	if err != nil {
		return err
	}
	for _, cm := range page.Comments {
		p.Items = append(p.Items, s.viewComment(cm, lang))
	}
	p.Total = page.Total
	p.Table = s.commentsTable(p.Items, p.Total, lang)
	meta := report.Meta{Title: p.Table.Title, Unit: cq.Unit, Period: cq.Period, AsOf: cq.AsOf, Lang: lang, Filters: commentFilters(f.Query)}
	if u, ok := s.Units().At(cq.Unit, cq.AsOf); ok {
		meta.UnitName = u.Name
	}
	if done, err := s.download(c, meta, func() []report.Table { return []report.Table{p.Table} }); done {
		return err
	}
	if page.Next.ID != "" {
		p.Older = c.Path() + withQuery(f.Query, "cursor", page.Next.String())
	}
	if cq.After.ID != "" {
		p.Newest = c.Path() + withQuery(f.Query, "cursor", "")
	}
	return s.render(c, fiber.StatusOK, "comments.html", p)
}

// commentFilters are the filters of a comments query a file names.
func commentFilters(q url.Values) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"level", "procedure", "field", "channel", "questionnaire", "official", "counter"} {
		if v := q.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}
