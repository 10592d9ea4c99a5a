package web

import (
	"github.com/gofiber/fiber/v2"

	"hailong/fiberapp"
)

// alertsComment answers POST /api/v1/alerts/:id/comment ({"text": …}):
// the principal's comment on an alert of its scope not yet closed.
func (s *Server) alertsComment(c *fiber.Ctx) error {
	var req struct {
		Text string `json:"text"`
	}
	if err := fiberapp.DecodeJSON(c, &req); err != nil {
		return err
	}
	a, err := s.alertAct(c, c.Params("id"), actionAlertComment, req.Text)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// noBody refuses a body a step that takes none was sent with, naming what
// it holds: a client that meant {"text": …} for the acknowledgement must
// learn that it was not kept. None, or {}, is taken.
func noBody(c *fiber.Ctx) error {
	if len(c.Body()) == 0 {
		return nil
	}
	var none struct{}
	return fiberapp.DecodeJSON(c, &none)
}
