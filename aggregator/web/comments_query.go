package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hailong"
	"hailong/aggregator/comments"
	"hailong/aggregator/report"
)

// commentsQuery is a reading of the comments: the report query (unit,
// period, structure date, filters) with the level and where a page begins.
type commentsQuery struct {
	report.Query
	Mood   comments.Mood
	After  comments.Cursor
	Limit  int
	Filter comments.Filter
}

// Sizes of a page of comments.
const (
	commentsPageSize = 50
	commentsMaxLimit = 200
	// commentsMaxDownload caps a download: the newest this many.
	commentsMaxDownload = 10000
)

// readComments reads and checks a comments query for the reader: problems
// with the fields (which a page shows beside them), or an error that ends
// the request (a unit out of scope).
func (s *Server) readComments(c *fiber.Ctx, lang string) (commentsQuery, report.Problems, error) {
	today := hailong.DateOf(s.Now())
	q, ps := s.readQuery(c.Query, queryOptions{Default: report.QuarterContaining(today), Lang: lang, OptionalUnit: true})
	cq := commentsQuery{Query: q, Limit: commentsPageSize}
	if v := c.Query("level"); v != "" {
		if cq.Mood = comments.Mood(v); !cq.Mood.Valid() {
			ps.Add("level", "not_in", v, words[lang]["cm_levels"])
		}
	}
	var err error
	if cq.After, err = comments.ParseCursor(c.Query("cursor")); err != nil {
		ps.Add("cursor", "cursor", clip(c.Query("cursor")))
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > commentsMaxLimit {
			ps.Add("limit", "limit", clip(v), commentsMaxLimit)
		} else {
			cq.Limit = n
		}
	}
	if len(ps) > 0 {
		return cq, ps, nil
	}
	unit, err := s.inScope(c, q.Unit, q.AsOf)
	if hailong.ErrorCode(err) == hailong.ENOTFOUND {
		ps.Add("unit", "no_unit", q.Unit, q.AsOf)
		return cq, ps, nil
	} else if err != nil {
		return cq, ps, err
	}
	cq.Unit = unit
	if err := s.reporter().Resolve(&cq.Query); err != nil {
		return cq, ps, err
	}
	f := comments.Filter{Units: cq.Units, From: cq.Period.From, To: cq.Period.To, Mood: cq.Mood,
		Procedure: cq.Query.Filter.Procedure, Channel: cq.Query.Filter.Channel, Questionnaire: cq.Query.Filter.Questionnaire,
		Official: cq.Query.Filter.Official, Counter: cq.Query.Filter.Counter}
	if field := cq.Query.Filter.Field; field != "" {
		f.Procedures = s.Procedures().InField(field)
	}
	cq.Filter = f
	return cq, ps, nil
}

// commentsWait is how long a request for comments waits for the months
// of its period to be read from the database, if they are not in memory
// (a month of a province's comments takes a fraction of a second).
const commentsWait = 20 * time.Second

// queryComments reads a page of comments, reading the months of the
// period from the database first if they are not in memory; none without
// an index.
func (s *Server) queryComments(c *fiber.Ctx, f comments.Filter, after comments.Cursor, limit int) (comments.Page, error) {
	if s.Comments == nil {
		return comments.Page{Comments: []comments.Comment{}}, nil
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), commentsWait)
	defer cancel()
	page, err := s.Comments().Query(ctx, f, after, limit)
	if err != nil {
		s.Logger.Warn("read the comments of a period", "from", f.From, "to", f.To, "err", err)
		return page, errUnreadable
	}
	return page, nil
}

// commentView is one comment as the reader sees it, with names and words.
type commentView struct {
	comments.Comment
	Date          hailong.Date `json:"date"`
	UnitName      string       `json:"unit_name,omitempty"`
	ProcedureName string       `json:"procedure_name,omitempty"`
	// LevelLabel is the headline answer as the questionnaire words it.
	LevelLabel string `json:"level_label"`
	// MoodText and ChannelText are in the page's language.
	MoodText    string `json:"-"`
	ChannelText string `json:"-"`
}

// viewComment names what a comment is about, in lang.
func (s *Server) viewComment(c comments.Comment, lang string) commentView {
	v := commentView{Comment: c, Date: hailong.DateOf(c.At)}
	if u, ok := s.Units().At(c.Unit, v.Date); ok {
		v.UnitName = u.Name
	}
	if c.Procedure != "" && s.Procedures != nil {
		if p, ok := s.Procedures().Get(c.Procedure); ok {
			v.ProcedureName = p.Name
		}
	}
	if q, ok := s.Catalog.Version(c.Questionnaire, c.Version); ok {
		if h, ok := q.Question(q.Headline); ok {
			for _, o := range h.Options {
				if o.Value == c.Level {
					v.LevelLabel = o.Label.In(lang)
				}
			}
		}
	}
	v.MoodText = words[lang]["cm_mood_"+string(c.Mood)]
	if v.LevelLabel == "" {
		v.LevelLabel = v.MoodText
	}
	v.ChannelText = words[lang]["cm_channel_"+string(c.Channel)]
	return v
}

// commentsTable is the table of comments a page shows and downloads.
func (s *Server) commentsTable(vs []commentView, total int, lang string) report.Table {
	w := words[lang]
	t := report.Table{Name: "comments", Title: w["cm_title"], Columns: []report.Column{
		{Title: w["cm_date"]}, {Title: w["cm_unit"]}, {Title: w["cm_procedure"]}, {Title: w["cm_level"]},
		{Title: w["cm_channel"]}, {Title: w["cm_text"]},
	}}
	for _, v := range vs {
		proc := v.ProcedureName
		if v.Procedure != "" {
			proc = strings.TrimSpace(v.Procedure + " " + proc)
		}
		t.Rows = append(t.Rows, report.Row{Cells: []report.Cell{
			{Text: formatDate(lang, v.Date)}, {Text: v.UnitName + " (" + v.Unit + ")"}, {Text: proc},
			{Text: v.LevelLabel}, {Text: v.ChannelText}, {Text: v.Text},
		}})
	}
	if total > len(vs) {
		t.Note = fmt.Sprintf(w["cm_capped"], formatNumber(lang, len(vs), 0), formatNumber(lang, total, 0))
	}
	return t
}
