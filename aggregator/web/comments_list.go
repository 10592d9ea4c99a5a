package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong"
)

// commentsJSON is the answer of GET /api/v1/comments.
type commentsJSON struct {
	Unit       string        `json:"unit"`
	From       hailong.Date  `json:"from"`
	To         hailong.Date  `json:"to"`
	AsOf       hailong.Date  `json:"as_of"`
	Total      int           `json:"total"`
	NextCursor string        `json:"next_cursor,omitempty"`
	Comments   []commentView `json:"comments"`
}

// commentsList answers GET /api/v1/comments: the citizens' comments in the
// principal's scope with the filters of the comments page, newest first,
// limit at a time (50, at most 200); next_cursor asks for the next page.
func (s *Server) commentsList(c *fiber.Ctx) error {
	lang := "en"
	if c.Query("lang") == "vi" {
		lang = "vi"
	}
	cq, ps, err := s.readComments(c, lang)
	if err != nil {
		return err
	}
	if err := ps.Err(lang); err != nil {
		return err
	}
	page, err := s.queryComments(c, cq.Filter, cq.After, cq.Limit)
	if err != nil {
		return err
	}
	out := commentsJSON{Unit: cq.Unit, From: cq.Period.From, To: cq.Period.To, AsOf: cq.AsOf, Total: page.Total,
		NextCursor: page.Next.String(), Comments: make([]commentView, 0, len(page.Comments))}
	for _, cm := range page.Comments {
		out.Comments = append(out.Comments, s.viewComment(cm, lang))
	}
	return c.JSON(out)
}
